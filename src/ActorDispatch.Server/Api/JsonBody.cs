using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Server.Api;

/// <summary>
/// Reads a JSON request body with errors that name the problem: a wrong content type is 415,
/// malformed JSON is 400 with the position, an oversize body is 413 (Kestrel's limit).
/// </summary>
internal static class JsonBody
{
    public static async Task<JsonElement> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentType is { } type && !IsJson(type)) throw NotJson(type);
        try
        {
            // Deeper than any event data the log accepts, so that the engine, not the parser, refuses
            // data nested too deep, with an error that names the field.
            using var doc = await JsonDocument.ParseAsync(request.Body, new JsonDocumentOptions { MaxDepth = ActorDispatchJson.MaxDepth }, cancellationToken);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw NotValidJson(ex, "the body");
        }
    }

    /// <summary>Malformed JSON in <paramref name="what"/> ("the body", "the message"), with where the parser stopped.</summary>
    public static ActorDispatchException NotValidJson(JsonException ex, string what) =>
        new(ErrorKind.BadRequest, "AD10123", $"{what} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine}): {ex.Message.Split(". ")[0]}");

    public static HttpProblem NotJson(string? contentType) => new(StatusCodes.Status415UnsupportedMediaType,
        contentType is null ? "AD10122: no content type; send application/json" : $"AD10122: content type '{contentType}' is not JSON; send application/json");

    public static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Deserializes a part of the body, turning type mismatches into errors naming <paramref name="field"/>.</summary>
    public static T Convert<T>(JsonElement element, string field)
    {
        try
        {
            return element.Deserialize<T>(ActorDispatchJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException ex)
        {
            throw new ActorDispatchException(ErrorKind.BadRequest, "AD10100", $"invalid '{field}': {ex.Message.Split(". ")[0]}");
        }
    }
}
