using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Server.Api;

/// <summary>
/// Reads appended events from a request body field by field, so that each error names its field
/// (<c>[2].topic</c>). Fields the log assigns (id, sequence, namespace, created) are refused.
/// </summary>
internal static class NewEventReader
{
    public static IReadOnlyList<NewEvent> ReadOneOrMany(JsonElement body, out bool many)
    {
        many = body.ValueKind == JsonValueKind.Array;
        if (!many) return [Read(body, "")];
        var events = new List<NewEvent>(body.GetArrayLength());
        var i = 0;
        foreach (var item in body.EnumerateArray()) events.Add(Read(item, $"[{i++}]."));
        return events;
    }

    public static NewEvent Read(JsonElement o, string prefix)
    {
        if (o.ValueKind != JsonValueKind.Object) throw Invalid(prefix.TrimEnd('.'), "must be a JSON object");
        string? type = null, topic = null, tag = null, author = null;
        Guid? reference = null, correlator = null, tx = null;
        JsonElement? data = null;
        foreach (var p in o.EnumerateObject())
        {
            var field = prefix + p.Name;
            switch (p.Name)
            {
                case "type": type = String(p.Value, field); break;
                case "topic": topic = String(p.Value, field); break;
                case "tag": tag = String(p.Value, field); break;
                case "author": author = String(p.Value, field); break;
                case "reference": reference = Uuid(p.Value, field); break;
                case "correlator": correlator = Uuid(p.Value, field); break;
                case "tx": tx = Uuid(p.Value, field); break;
                case "data": data = p.Value.ValueKind == JsonValueKind.Null ? null : p.Value.Clone(); break;
                case "id" or "sequence" or "namespace" or "created":
                    throw Invalid(field, "is assigned by the log and cannot be set");
                default:
                    throw Invalid(field, "unknown field (known: type, topic, tag, author, reference, correlator, tx, data)");
            }
        }
        if (type is null) throw Invalid(prefix + "type", "is required");
        return new NewEvent { Type = type, Topic = topic, Tag = tag, Author = author, Reference = reference, Correlator = correlator, Tx = tx, Data = data };
    }

    private static string? String(JsonElement v, string field) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Null => null,
        _ => throw Invalid(field, "must be a string"),
    };

    private static Guid? Uuid(JsonElement v, string field) => v.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String when Guid.TryParse(v.GetString(), out var g) => g,
        _ => throw Invalid(field, "must be a UUID string"),
    };

    private static ActorDispatchException Invalid(string field, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid '{field}': {problem}");
}
