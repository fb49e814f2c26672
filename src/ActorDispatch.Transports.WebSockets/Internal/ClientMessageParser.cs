using System.Text.Json;
using ActorDispatch.Model;

namespace ActorDispatch.Transports.WebSockets.Internal;

/// <summary>
/// Turns one client frame into a <see cref="ClientMessage"/> or a <see cref="ProtocolException"/> that
/// names the field at fault. Field names match case-insensitively, as FireFly's Go decoder does, so
/// <c>autoack</c> and <c>autoAck</c> both work; <c>type</c> values are exact.
/// </summary>
internal static class ClientMessageParser
{
    public static ClientMessage Parse(ReadOnlyMemory<byte> utf8) => TryParsePlainAck(utf8.Span) ?? ParseDocument(utf8);

    /// <summary>
    /// The ack nearly every client sends, <c>{"type":"ack","id":…,"subscription":{"id":…}}</c> (fields
    /// in any order, the subscription optional), read in one pass without building a document.
    /// Anything else — other fields or spellings, a subscription by name, a repeated field, a null,
    /// invalid JSON — is null here and takes the full path, which also names what is wrong.
    /// </summary>
    private static AckMessage? TryParsePlainAck(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            bool type = false, hasId = false, hasSubscription = false;
            Guid id = default;
            SubscriptionRef? subscription = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8) && !type)
                {
                    type = reader.Read() && reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("ack"u8);
                    if (!type) return null;
                }
                else if (reader.ValueTextEquals("id"u8) && !hasId)
                {
                    hasId = reader.Read() && reader.TokenType == JsonTokenType.String && reader.TryGetGuid(out id);
                    if (!hasId) return null;
                }
                else if (reader.ValueTextEquals("subscription"u8) && !hasSubscription)
                {
                    subscription = reader.Read() ? TryReadPlainSubscription(ref reader) : null;
                    if (subscription is null) return null;
                    hasSubscription = true;
                }
                else return null;
            }
            // The object must be all there is.
            if (!type || reader.TokenType != JsonTokenType.EndObject || reader.Read()) return null;
            return new AckMessage(hasId ? id : null, subscription, Rejected: false, Info: null, Reply: null);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // {"id":…}, as clients send it; null for anything else (by namespace and name, say), which takes
    // the full path, where the rules for those fields are.
    private static SubscriptionRef? TryReadPlainSubscription(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) return null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals("id"u8)) return null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String || !reader.TryGetGuid(out var id)) return null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.EndObject) return null;
        return new SubscriptionRef { Id = id };
    }

    private static ClientMessage ParseDocument(ReadOnlyMemory<byte> utf8)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8);
        }
        catch (JsonException ex)
        {
            throw ProtocolErrors.InvalidJson(ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw ProtocolErrors.InvalidJson($"a message must be a JSON object, not {Kind(root)}");
            // Compared in place: an ack, one per delivery, allocates no string for its type.
            var type = Find(root, "type");
            if (type is { ValueKind: JsonValueKind.String } t)
            {
                if (t.ValueEquals("ack"u8)) return ParseAck(root, nack: false);
                if (t.ValueEquals("nack"u8)) return ParseAck(root, nack: true);
                if (t.ValueEquals("start"u8)) return ParseStart(root);
            }
            throw ProtocolErrors.UnknownType(type is { } other ? String(other, "type") : null);
        }
    }

    private static StartMessage ParseStart(JsonElement root)
    {
        var start = new StartMessage();
        foreach (var p in root.EnumerateObject())
        {
            var v = p.Value;
            start = p.Name.ToLowerInvariant() switch
            {
                "namespace" => start with { Namespace = String(v, "namespace") },
                "name" => start with { Name = String(v, "name") },
                "ephemeral" => start with { Ephemeral = Bool(v, "ephemeral") ?? false },
                "autoack" => start with { AutoAck = Bool(v, "autoack") },
                "changeevents" => start with { ChangeEvents = NullIfEmpty(String(v, "changeEvents")) },
                "filter" => start with { Filter = Model<SubscriptionFilter>(v, "filter") ?? SubscriptionFilter.Empty },
                "options" => start with { Options = Model<SubscriptionOptions>(v, "options") ?? SubscriptionOptions.Empty },
                _ => start, // "type", and fields of newer clients: ignored as FireFly does
            };
        }
        return start;
    }

    private static AckMessage ParseAck(JsonElement root, bool nack)
    {
        Guid? id = null;
        SubscriptionRef? subscription = null;
        var rejected = nack;
        string? info = null;
        NewEvent? reply = null;
        TimeSpan? delay = null;
        foreach (var p in root.EnumerateObject())
        {
            var v = p.Value;
            switch (Key(p, AckKeys))
            {
                case "id":
                    id = Uuid(v, "id");
                    break;
                case "subscription":
                    subscription = Subscription(v);
                    break;
                case "rejected":
                    rejected = nack || (Bool(v, "rejected") ?? false);
                    break;
                case "info":
                    info = String(v, "info");
                    break;
                case "reply":
                    reply = Model<NewEvent>(v, "reply");
                    break;
                case "delay":
                    delay = Delay(v);
                    break;
            }
        }
        return new AckMessage(id, subscription, rejected, info, reply, rejected ? delay : null);
    }

    // {"id":…} or {"namespace":…,"name":…}; an empty object is the same as none.
    private static SubscriptionRef? Subscription(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind != JsonValueKind.Object) throw ProtocolErrors.InvalidField("subscription", $"must be an object with 'id' or 'namespace' and 'name', not {Kind(v)}");
        Guid? id = null;
        string? ns = null, name = null;
        foreach (var p in v.EnumerateObject())
        {
            switch (Key(p, SubscriptionKeys))
            {
                case "id":
                    id = Uuid(p.Value, "subscription.id");
                    break;
                case "namespace":
                    ns = NullIfEmpty(String(p.Value, "subscription.namespace"));
                    break;
                case "name":
                    name = NullIfEmpty(String(p.Value, "subscription.name"));
                    break;
            }
        }
        if (id is null && name is null)
        {
            if (ns is not null) throw ProtocolErrors.InvalidField("subscription.name", "is required with 'subscription.namespace'");
            return null;
        }
        return new SubscriptionRef { Id = id, Namespace = ns, Name = name };
    }

    // The names of an ack's and of its subscription's fields, as clients send them: matched without
    // allocating. Any other spelling (e.g. "ID") is lower-cased as before.
    private static readonly string[] AckKeys = ["type", "id", "subscription", "rejected", "info", "reply", "delay"];
    private static readonly string[] SubscriptionKeys = ["id", "namespace", "name"];

    private static string Key(JsonProperty p, string[] known)
    {
        foreach (var key in known)
            if (p.NameEquals(key)) return key;
        return p.Name.ToLowerInvariant();
    }

    // The field named so in any case; an exact match is found without allocating the names.
    private static JsonElement? Find(JsonElement o, string name)
    {
        JsonElement? found = null;
        foreach (var p in o.EnumerateObject())
            if (p.NameEquals(name)) found = p.Value;
        if (found is not null) return found;
        foreach (var p in o.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) found = p.Value;
        return found;
    }

    // A nack's delay before redelivery: a duration such as "5s", or a number of milliseconds.
    private static TimeSpan? Delay(JsonElement v)
    {
        if (v.ValueKind == JsonValueKind.Null) return null;
        var text = v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => throw ProtocolErrors.InvalidField("delay", $"must be a duration such as \"5s\", not {Kind(v)}"),
        };
        return ActorDispatch.Model.Duration.TryParse(text, out var delay)
            ? delay
            : throw ProtocolErrors.InvalidField("delay", $"'{text}' is not a duration such as \"5s\"");
    }

    private static string? String(JsonElement v, string field) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Null => null,
        _ => throw ProtocolErrors.InvalidField(field, $"must be a string, not {Kind(v)}"),
    };

    private static bool? Bool(JsonElement v, string field) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        _ => throw ProtocolErrors.InvalidField(field, $"must be true or false, not {Kind(v)}"),
    };

    private static Guid? Uuid(JsonElement v, string field) => v.ValueKind switch
    {
        JsonValueKind.String when v.TryGetGuid(out var g) || Guid.TryParse(v.GetString(), out g) => g,
        JsonValueKind.Null => null,
        _ => throw ProtocolErrors.InvalidField(field, "must be a UUID string"),
    };

    // Filters and options are read by the engine's own converters, which name the field at fault.
    private static T? Model<T>(JsonElement v, string field) where T : class
    {
        if (v.ValueKind == JsonValueKind.Null) return null;
        try
        {
            return v.Deserialize<T>(ActorDispatchJson.Options);
        }
        catch (ActorDispatchException ex)
        {
            throw ProtocolErrors.From(ex);
        }
        catch (JsonException ex)
        {
            throw ProtocolErrors.InvalidField(field, ex.Message);
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static string Kind(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
