using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorDispatch.Model;

/// <summary>
/// The JSON settings of the wire formats (docs/protocol.md): camelCase names, nulls left out,
/// RFC 3339 UTC timestamps with fractional seconds. Use these to read or write any model record.
/// </summary>
public static class ActorDispatchJson
{
    /// <summary>
    /// The nesting these options read and write. Far above what the log accepts in event data
    /// (<c>actordispatch.log.max-data-depth</c>, 32), so that no stored event, wrapped in a journal
    /// entry, a delivery or a batch, is ever too deep to read back.
    /// </summary>
    public const int MaxDepth = 256;

    /// <summary>Shared, read-only options; safe to use from any thread.</summary>
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            MaxDepth = MaxDepth,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            // An API body, never embedded in HTML: keep quotes and non-ASCII text readable in error messages and data.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.Converters.Add(new UtcTimestampJsonConverter());
        options.Converters.Add(new EventJsonConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

/// <summary>Writes timestamps as RFC 3339 UTC with microseconds, e.g. <c>2026-11-27T21:40:00.123456Z</c>.</summary>
internal sealed class UtcTimestampJsonConverter : JsonConverter<DateTimeOffset>
{
    public const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The length of a formatted timestamp, e.g. <c>2026-11-27T21:40:00.123456Z</c>.</summary>
    public const int Length = 27;

    /// <summary>
    /// The time now, as written and read back (whole microseconds), so that a definition kept in
    /// memory equals its persisted copy and is not taken for a change.
    /// </summary>
    public static DateTimeOffset Now()
    {
        var now = DateTimeOffset.UtcNow;
        return now.AddTicks(-(now.Ticks % 10));
    }

    /// <summary>
    /// Writes <see cref="Pattern"/> as UTF-8 digits by hand: every event written to the journal
    /// carries a timestamp, and a custom DateTime format string costs more than the rest of the event.
    /// </summary>
    public static void Format(DateTimeOffset value, Span<byte> destination)
    {
        var t = value.UtcDateTime;
        var micros = (int)(t.Ticks % TimeSpan.TicksPerSecond / 10);
        Digits(destination[..4], t.Year);
        destination[4] = (byte)'-';
        Digits(destination.Slice(5, 2), t.Month);
        destination[7] = (byte)'-';
        Digits(destination.Slice(8, 2), t.Day);
        destination[10] = (byte)'T';
        Digits(destination.Slice(11, 2), t.Hour);
        destination[13] = (byte)':';
        Digits(destination.Slice(14, 2), t.Minute);
        destination[16] = (byte)':';
        Digits(destination.Slice(17, 2), t.Second);
        destination[19] = (byte)'.';
        Digits(destination.Slice(20, 6), micros);
        destination[26] = (byte)'Z';
    }

    private static void Digits(Span<byte> destination, int value)
    {
        for (var i = destination.Length - 1; i >= 0; i--)
        {
            destination[i] = (byte)('0' + value % 10);
            value /= 10;
        }
    }

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal).ToUniversalTime();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> text = stackalloc byte[Length];
        Format(value, text);
        writer.WriteStringValue(text);
    }
}

/// <summary>
/// Event fields written and read by hand: deliveries embed them beside <c>subscription</c>, and
/// this is the hot path of every transport.
/// </summary>
internal sealed class EventJsonConverter : JsonConverter<Event>
{
    // Streams the fields (no document for the whole event); only the data gets a document of its own.
    public override Event Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException("an event must be a JSON object");
        Guid? id = null, reference = null, correlator = null, tx = null;
        long? sequence = null;
        string? type = null, ns = null, topic = null, tag = null, author = null, traceParent = null, traceState = null;
        DateTimeOffset? created = null;
        JsonElement? data = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8)) id = NextGuid(ref reader);
            else if (reader.ValueTextEquals("sequence"u8)) sequence = reader.Read() && reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : null;
            else if (reader.ValueTextEquals("type"u8)) type = NextString(ref reader);
            else if (reader.ValueTextEquals("namespace"u8)) ns = NextString(ref reader);
            else if (reader.ValueTextEquals("topic"u8)) topic = NextString(ref reader);
            else if (reader.ValueTextEquals("tag"u8)) tag = NextString(ref reader);
            else if (reader.ValueTextEquals("author"u8)) author = NextString(ref reader);
            else if (reader.ValueTextEquals("reference"u8)) reference = NextGuid(ref reader);
            else if (reader.ValueTextEquals("correlator"u8)) correlator = NextGuid(ref reader);
            else if (reader.ValueTextEquals("tx"u8)) tx = NextGuid(ref reader);
            else if (reader.ValueTextEquals("created"u8)) created = NextTimestamp(ref reader);
            else if (reader.ValueTextEquals("traceparent"u8)) traceParent = NextString(ref reader);
            else if (reader.ValueTextEquals("tracestate"u8)) traceState = NextString(ref reader);
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                data = reader.TokenType == JsonTokenType.Null ? null : JsonElement.ParseValue(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new Event
        {
            Id = id ?? throw Missing("id"),
            Sequence = sequence ?? throw Missing("sequence"),
            Type = type ?? throw Missing("type"),
            Namespace = ns ?? throw Missing("namespace"),
            Topic = topic,
            Tag = tag,
            Author = author,
            Reference = reference,
            Correlator = correlator,
            Tx = tx,
            Created = created ?? throw Missing("created"),
            TraceParent = traceParent,
            TraceState = traceState,
            Data = data,
        };
    }

    private static JsonException Missing(string field) => new($"an event needs '{field}'");

    private static string? NextString(ref Utf8JsonReader reader) =>
        reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;

    private static Guid? NextGuid(ref Utf8JsonReader reader) =>
        reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetGuid() : null;

    private static DateTimeOffset? NextTimestamp(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.String) return null;
        return reader.TryGetDateTimeOffset(out var value)
            ? value
            : DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
    }

    public override void Write(Utf8JsonWriter writer, Event value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteFields(writer, value, includeData: true, value.TraceParent);
        writer.WriteEndObject();
    }

    // Property names encoded once: this runs for every event written to the journal and every delivery.
    private static readonly JsonEncodedText IdName = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText SequenceName = JsonEncodedText.Encode("sequence");
    private static readonly JsonEncodedText TypeName = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText NamespaceName = JsonEncodedText.Encode("namespace");
    private static readonly JsonEncodedText TopicName = JsonEncodedText.Encode("topic");
    private static readonly JsonEncodedText TagName = JsonEncodedText.Encode("tag");
    private static readonly JsonEncodedText AuthorName = JsonEncodedText.Encode("author");
    private static readonly JsonEncodedText ReferenceName = JsonEncodedText.Encode("reference");
    private static readonly JsonEncodedText CorrelatorName = JsonEncodedText.Encode("correlator");
    private static readonly JsonEncodedText TxName = JsonEncodedText.Encode("tx");
    private static readonly JsonEncodedText CreatedName = JsonEncodedText.Encode("created");
    private static readonly JsonEncodedText DataName = JsonEncodedText.Encode("data");
    internal static readonly JsonEncodedText TraceParentName = JsonEncodedText.Encode("traceparent");
    internal static readonly JsonEncodedText TraceStateName = JsonEncodedText.Encode("tracestate");

    // traceParent: the stored one for an event, the one the delivery carries for a delivery.
    internal static void WriteFields(Utf8JsonWriter writer, Event e, bool includeData, string? traceParent)
    {
        writer.WriteString(IdName, e.Id);
        writer.WriteNumber(SequenceName, e.Sequence);
        writer.WriteString(TypeName, e.Type);
        writer.WriteString(NamespaceName, e.Namespace);
        if (e.Topic is not null) writer.WriteString(TopicName, e.Topic);
        if (e.Tag is not null) writer.WriteString(TagName, e.Tag);
        if (e.Author is not null) writer.WriteString(AuthorName, e.Author);
        if (e.Reference is { } r) writer.WriteString(ReferenceName, r);
        if (e.Correlator is { } c) writer.WriteString(CorrelatorName, c);
        if (e.Tx is { } tx) writer.WriteString(TxName, tx);
        Span<byte> created = stackalloc byte[UtcTimestampJsonConverter.Length];
        UtcTimestampJsonConverter.Format(e.Created, created);
        writer.WriteString(CreatedName, created);
        if (traceParent is not null) writer.WriteString(TraceParentName, traceParent);
        if (e.TraceState is not null) writer.WriteString(TraceStateName, e.TraceState);
        if (includeData && e.Data is { } data)
        {
            // The payload was validated as JSON when it was parsed: copy its text rather than re-encode it.
            writer.WritePropertyName(DataName);
            writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(data), skipInputValidation: true);
        }
    }
}

/// <summary>A delivery on the wire: the event's fields plus <c>subscription</c>.</summary>
internal sealed class EventDeliveryJsonConverter : JsonConverter<EventDelivery>
{
    public override EventDelivery Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        var root = doc.RootElement;
        var sub = root.TryGetProperty("subscription", out var s)
            ? s.Deserialize<SubscriptionRef>(options)!
            : new SubscriptionRef();
        // The event's own fields through EventJsonConverter, which skips `subscription`.
        return new EventDelivery(root.Deserialize<Event>(options)!, sub);
    }

    public override void Write(Utf8JsonWriter writer, EventDelivery value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        EventJsonConverter.WriteFields(writer, value.Event, includeData: true, value.TraceParent);
        writer.WritePropertyName("subscription");
        writer.WriteStartObject();
        if (value.Subscription.Id is { } id) writer.WriteString("id", id);
        if (value.Subscription.Namespace is { } ns) writer.WriteString("namespace", ns);
        if (value.Subscription.Name is { } name) writer.WriteString("name", name);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
