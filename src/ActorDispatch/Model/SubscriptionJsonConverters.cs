using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorDispatch.Model;

/// <summary>
/// Reads a filter in ActorDispatch's flat form and in FireFly's forms (<c>message.tag</c>,
/// <c>message.author</c>, <c>message.group</c>, <c>transaction.type</c>, the deprecated <c>topics</c>);
/// writes the flat form with <c>transaction.type</c> nested as FireFly does.
/// </summary>
internal sealed class SubscriptionFilterJsonConverter : JsonConverter<SubscriptionFilter>
{
    public override SubscriptionFilter Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var o = doc.RootElement;
        if (o.ValueKind != JsonValueKind.Object)
            throw Errors.InvalidField("filter", "must be a JSON object");

        var filter = SubscriptionFilter.Empty;
        foreach (var p in o.EnumerateObject())
        {
            filter = p.Name switch
            {
                "events" => filter with { Events = Pattern(p, "filter.events") },
                "topic" => filter with { Topic = Pattern(p, "filter.topic") },
                "topics" => filter with { Topic = filter.Topic ?? Pattern(p, "filter.topics") },
                "tag" => filter with { Tag = Pattern(p, "filter.tag") },
                "author" => filter with { Author = Pattern(p, "filter.author") },
                "group" => filter with { Group = Pattern(p, "filter.group") },
                "message" => ReadNested(filter, p.Value, "filter.message"),
                "transaction" => ReadNested(filter, p.Value, "filter.transaction"),
                _ => throw Errors.InvalidField($"filter.{p.Name}", "unknown filter field (known: events, topic, tag, author, group, message.*, transaction.type)"),
            };
        }
        return filter;
    }

    private static SubscriptionFilter ReadNested(SubscriptionFilter filter, JsonElement nested, string prefix)
    {
        if (nested.ValueKind != JsonValueKind.Object)
            throw Errors.InvalidField(prefix, "must be a JSON object");
        foreach (var p in nested.EnumerateObject())
        {
            var field = $"{prefix}.{p.Name}";
            filter = (prefix, p.Name) switch
            {
                ("filter.message", "tag") => filter with { Tag = Pattern(p, field) },
                ("filter.message", "author") => filter with { Author = Pattern(p, field) },
                ("filter.message", "group") => filter with { Group = Pattern(p, field) },
                ("filter.message", "topics") => filter with { Topic = filter.Topic ?? Pattern(p, field) },
                ("filter.transaction", "type") => filter with { TransactionType = Pattern(p, field) },
                _ => throw Errors.InvalidField(field, "unknown filter field"),
            };
        }
        return filter;
    }

    private static string? Pattern(JsonProperty p, string field) => p.Value.ValueKind switch
    {
        JsonValueKind.String => p.Value.GetString(),
        JsonValueKind.Null => null,
        _ => throw Errors.InvalidField(field, "must be a string holding a regular expression"),
    };

    public override void Write(Utf8JsonWriter writer, SubscriptionFilter value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.Events is not null) writer.WriteString("events", value.Events);
        if (value.Topic is not null) writer.WriteString("topic", value.Topic);
        if (value.Tag is not null) writer.WriteString("tag", value.Tag);
        if (value.Author is not null) writer.WriteString("author", value.Author);
        if (value.Group is not null) writer.WriteString("group", value.Group);
        if (value.TransactionType is not null)
        {
            writer.WriteStartObject("transaction");
            writer.WriteString("type", value.TransactionType);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }
}

/// <summary>
/// Splits an options object into the core options, checked for type here (naming the option), and
/// the transport's own options, kept as JSON for the transport's schema to validate.
/// </summary>
internal sealed class SubscriptionOptionsJsonConverter : JsonConverter<SubscriptionOptions>
{
    public override SubscriptionOptions Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var o = doc.RootElement;
        if (o.ValueKind != JsonValueKind.Object)
            throw Errors.InvalidField("options", "must be a JSON object");

        var result = SubscriptionOptions.Empty;
        var transport = ImmutableSortedDictionary.CreateBuilder<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in o.EnumerateObject())
        {
            var v = p.Value;
            if (v.ValueKind == JsonValueKind.Null) continue;
            switch (p.Name)
            {
                case "firstEvent":
                    result = result with
                    {
                        FirstEvent = v.ValueKind switch
                        {
                            JsonValueKind.String => v.GetString(),
                            JsonValueKind.Number when v.TryGetInt64(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
                            _ => throw Errors.InvalidOption("firstEvent", "must be 'oldest', 'newest' or a sequence number"),
                        },
                    };
                    break;
                case "readAhead":
                    result = result with { ReadAhead = Int(v, "readAhead") };
                    break;
                case "withData":
                    result = result with { WithData = Bool(v, "withData") };
                    break;
                case "batch":
                    result = result with { Batch = Bool(v, "batch") };
                    break;
                case "batchSize":
                    result = result with { BatchSize = Int(v, "batchSize") };
                    break;
                case "batchTimeout":
                    result = result with { BatchTimeout = DurationText(v, "batchTimeout") };
                    break;
                case "ackTimeout":
                    result = result with { AckTimeout = DurationText(v, "ackTimeout") };
                    break;
                case "maxDeliveries":
                    result = result with { MaxDeliveries = Int(v, "maxDeliveries") };
                    break;
                case "backoff":
                    if (v.ValueKind != JsonValueKind.Array) throw Errors.InvalidOption("backoff", "must be a list of durations such as [\"1s\", \"5s\"]");
                    result = result with { Backoff = v.EnumerateArray().Select(d => DurationText(d, "backoff")!).ToArray() };
                    break;
                default:
                    transport[p.Name] = v.Clone();
                    break;
            }
        }
        return result with { Transport = transport.ToImmutable() };
    }

    // A duration as written ('50ms', '1m30s', or a bare number of milliseconds); checked by the validator.
    private static string? DurationText(JsonElement v, string name) => v.ValueKind switch
    {
        JsonValueKind.String => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        _ => throw Errors.InvalidOption(name, "must be a duration such as '50ms'"),
    };

    private static int Int(JsonElement v, string name)
    {
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n)) return n;
        if (v.ValueKind == JsonValueKind.String && int.TryParse(v.GetString(), out n)) return n;
        throw Errors.InvalidOption(name, "must be an integer");
    }

    private static bool Bool(JsonElement v, string name) => v.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String when bool.TryParse(v.GetString(), out var b) => b,
        _ => throw Errors.InvalidOption(name, "must be true or false"),
    };

    public override void Write(Utf8JsonWriter writer, SubscriptionOptions value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        if (value.FirstEvent is not null) writer.WriteString("firstEvent", value.FirstEvent);
        if (value.ReadAhead is { } ra) writer.WriteNumber("readAhead", ra);
        if (value.WithData is { } wd) writer.WriteBoolean("withData", wd);
        if (value.Batch is { } b) writer.WriteBoolean("batch", b);
        if (value.BatchSize is { } bs) writer.WriteNumber("batchSize", bs);
        if (value.BatchTimeout is not null) writer.WriteString("batchTimeout", value.BatchTimeout);
        if (value.AckTimeout is not null) writer.WriteString("ackTimeout", value.AckTimeout);
        if (value.MaxDeliveries is { } md) writer.WriteNumber("maxDeliveries", md);
        if (value.Backoff is { } backoff)
        {
            writer.WriteStartArray("backoff");
            foreach (var d in backoff) writer.WriteStringValue(d);
            writer.WriteEndArray();
        }
        foreach (var (k, v) in value.Transport)
        {
            writer.WritePropertyName(k);
            v.WriteTo(writer);
        }
        writer.WriteEndObject();
    }
}
