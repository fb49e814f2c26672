using System.Text.Json;
using ActorDispatch.Model;
using ActorDispatch.Transports.Webhooks.Options;

namespace ActorDispatch.Transports.Webhooks.Sending;

/// <summary>
/// The reply event of a <c>reply</c> webhook: type <see cref="WebhooksTransport.ReplyEventType"/>, the
/// original event's topic, <c>replytag</c> as tag, <c>replytx</c> as tx, and as data
/// <c>{"status": 200, "headers": {...}, "body": ...}</c> where body is the response's JSON, or its
/// bytes base64-encoded when it is not JSON, and absent when empty. The engine sets its correlator
/// to the original event's id. A pure function.
/// </summary>
internal static class WebhookReply
{
    /// <summary>True for an event that is itself a webhook reply: the loop guard never sends those to a <c>reply</c> webhook.</summary>
    public static bool IsReply(Event e) => e.Type == WebhooksTransport.ReplyEventType && e.Correlator is not null;

    public static NewEvent Create(WebhookOptions options, Event original, WebhookResponse response)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("status", response.Status);
            w.WriteStartObject("headers");
            foreach (var (name, value) in response.Headers) w.WriteString(name, value);
            w.WriteEndObject();
            if (response.Body is { Length: > 0 } body)
            {
                w.WritePropertyName("body");
                if ((options.Json || IsJsonContentType(response.ContentType)) && TryParseJson(body) is { } json) json.WriteTo(w);
                else w.WriteBase64StringValue(body);
            }
            w.WriteEndObject();
        }
        return new NewEvent
        {
            Type = WebhooksTransport.ReplyEventType,
            Topic = original.Topic,
            Tag = options.ReplyTag,
            Tx = options.ReplyTx,
            Data = JsonDocument.Parse(buffer.ToArray()).RootElement.Clone(),
        };
    }

    /// <summary><c>application/json</c> and the structured <c>+json</c> types (<c>application/problem+json</c>, ...).</summary>
    internal static bool IsJsonContentType(string? contentType)
    {
        if (contentType is null) return false;
        var media = contentType.Split(';', 2)[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) ||
               media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static JsonElement? TryParseJson(byte[] body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null; // declared JSON but is not: keep the bytes, base64
        }
    }
}
