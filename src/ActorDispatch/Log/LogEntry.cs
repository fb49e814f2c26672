using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using ActorDispatch.Model;
using ActorDispatch.Serialization;

namespace ActorDispatch.Log;

/// <summary>
/// One journal entry of a namespace's log holding several consecutive events (group commit): the
/// journal writes one row per entry, not per event, which is what lets appends outrun the journal's
/// row rate. An entry of a single event is stored as the bare <see cref="Event"/> instead, as logs
/// written before group commit are; readers accept both (<see cref="LogEntries"/>). The idempotency
/// keys of the entry's appends (<see cref="Keys"/>, after the events) are in the same row as their
/// events, so that a key is durable exactly when its append is; an entry with keys is never a bare
/// event. Entries written before keys existed have none, and readers that know nothing of keys skip them.
/// </summary>
internal sealed record LogEntry(IReadOnlyList<Event> Events, IReadOnlyList<LogEntryKey>? Keys = null) : IPersistedMessage
{
    /// <summary>
    /// The entry as the serializer would write it, when the log has written it already: the log
    /// encodes each append as it arrives, while the previous entry is being written, so the
    /// journal write of this one does not wait for the encoding.
    /// </summary>
    [JsonIgnore]
    public byte[]? Json { get; init; }
}

/// <summary>
/// The idempotency key of one append in a <see cref="LogEntry"/>: the hash of the events it was
/// given (<see cref="IdempotencyWindow.Hash"/>), and which of the entry's events it stored.
/// </summary>
internal sealed record LogEntryKey(string Key, string Hash, long First, int Count);

/// <summary>Converts between an entry's events and its journal payload, whichever of the two shapes it has.</summary>
internal static class LogEntries
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = ActorDispatchJson.Options.Encoder };

    /// <summary>
    /// The journal payload of an entry; <paramref name="encoded"/> gives its appends as <see cref="Encode"/>
    /// wrote them, and is only called for an entry of several events or with <paramref name="keys"/>
    /// (a lone event without a key needs no encoding here).
    /// </summary>
    public static object ToPayload(IReadOnlyList<Event> events, Func<IReadOnlyList<byte[]>> encoded, IReadOnlyList<LogEntryKey>? keys = null) =>
        events.Count == 1 && keys is null ? events[0] : ToEntry(events, encoded(), keys);

    /// <summary>An entry of <paramref name="events"/>, whose appends <see cref="Encode"/> wrote as <paramref name="encoded"/>.</summary>
    public static LogEntry ToEntry(IReadOnlyList<Event> events, IReadOnlyList<byte[]> encoded, IReadOnlyList<LogEntryKey>? keys = null) =>
        new(events, keys) { Json = Join(encoded, keys) };

    // Reused by the logs running on a thread: encoding then costs one copy, into the result.
    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>One append's events as a JSON array, in the shape <see cref="LogEntry"/>'s serializer writes them.</summary>
    public static byte[] Encode(IReadOnlyList<Event> events)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(64 * 1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        writer.WriteStartArray();
        foreach (var e in events) JsonSerializer.Serialize(writer, e, ActorDispatchJson.Options);
        writer.WriteEndArray();
        writer.Flush();
        var json = buffer.WrittenSpan.ToArray();
        if (buffer.Capacity > 1024 * 1024) t_buffer = null; // an unusually large append: do not keep its buffer
        return json;
    }

    private static readonly JsonEncodedText KeyName = JsonEncodedText.Encode("key");
    private static readonly JsonEncodedText HashName = JsonEncodedText.Encode("hash");
    private static readonly JsonEncodedText FirstName = JsonEncodedText.Encode("first");
    private static readonly JsonEncodedText CountName = JsonEncodedText.Encode("count");

    // The keys as the serializer writes them, by hand: this runs on the log's thread for every entry with keys.
    private static byte[] EncodeKeys(IReadOnlyList<LogEntryKey> keys)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(64 * 1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        writer.WriteStartArray();
        foreach (var key in keys)
        {
            writer.WriteStartObject();
            writer.WriteString(KeyName, key.Key);
            writer.WriteString(HashName, key.Hash);
            writer.WriteNumber(FirstName, key.First);
            writer.WriteNumber(CountName, key.Count);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    // {"events":[ the appends' elements, comma-separated ]} and, with keys, ,"keys":[...] before the
    // closing brace: the same bytes as serializing the entry.
    private static byte[] Join(IReadOnlyList<byte[]> arrays, IReadOnlyList<LogEntryKey>? keys)
    {
        var keysJson = keys is null ? null : EncodeKeys(keys);
        var length = Prefix.Length + arrays.Sum(a => a.Length - 2) + (arrays.Count - 1) + 2
            + (keysJson is null ? 0 : KeysPrefix.Length + keysJson.Length);
        var json = new byte[length];
        Prefix.CopyTo(json);
        var at = Prefix.Length;
        for (var i = 0; i < arrays.Count; i++)
        {
            if (i > 0) json[at++] = (byte)',';
            var elements = arrays[i].AsSpan(1, arrays[i].Length - 2);
            elements.CopyTo(json.AsSpan(at));
            at += elements.Length;
        }
        json[at++] = (byte)']';
        if (keysJson is not null)
        {
            KeysPrefix.CopyTo(json.AsSpan(at));
            at += KeysPrefix.Length;
            keysJson.CopyTo(json.AsSpan(at));
            at += keysJson.Length;
        }
        json[at] = (byte)'}';
        return json;
    }

    private static ReadOnlySpan<byte> Prefix => "{\"events\":["u8;

    private static ReadOnlySpan<byte> KeysPrefix => ",\"keys\":"u8;

    /// <summary>
    /// No fewer than the bytes <paramref name="key"/> adds to an entry's JSON (its <see cref="LogEntryKey"/>,
    /// separators, and the <c>"keys"</c> name), counted against <c>max-entry-bytes</c>: as if every
    /// character were escaped and the numbers had all their digits.
    /// </summary>
    public static int KeyBytes(string key) => 128 + 2 * key.Length;

    /// <summary>The idempotency keys an entry carries, or null for a bare event or an entry without keys.</summary>
    public static IReadOnlyList<LogEntryKey>? KeysOf(object payload) => (payload as LogEntry)?.Keys;

    public static IReadOnlyList<Event> EventsOf(object payload) => payload switch
    {
        LogEntry entry => entry.Events,
        Event single => [single],
        _ => throw new InvalidOperationException($"The event log holds an entry of unexpected type {payload.GetType()}"),
    };
}
