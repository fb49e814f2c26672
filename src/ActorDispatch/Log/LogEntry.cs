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
/// written before group commit are; readers accept both (<see cref="LogEntries"/>).
/// </summary>
internal sealed record LogEntry(IReadOnlyList<Event> Events) : IPersistedMessage
{
    /// <summary>
    /// The entry as the serializer would write it, when the log has written it already: the log
    /// encodes each append as it arrives, while the previous entry is being written, so the
    /// journal write of this one does not wait for the encoding.
    /// </summary>
    [JsonIgnore]
    public byte[]? Json { get; init; }
}

/// <summary>Converts between an entry's events and its journal payload, whichever of the two shapes it has.</summary>
internal static class LogEntries
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = ActorDispatchJson.Options.Encoder };

    /// <summary>
    /// The journal payload of an entry; <paramref name="encoded"/> gives its appends as <see cref="Encode"/>
    /// wrote them, and is only called for an entry of several events (a lone event needs no encoding here).
    /// </summary>
    public static object ToPayload(IReadOnlyList<Event> events, Func<IReadOnlyList<byte[]>> encoded) =>
        events.Count == 1 ? events[0] : ToEntry(events, encoded());

    /// <summary>An entry of <paramref name="events"/>, whose appends <see cref="Encode"/> wrote as <paramref name="encoded"/>.</summary>
    public static LogEntry ToEntry(IReadOnlyList<Event> events, IReadOnlyList<byte[]> encoded) => new(events) { Json = Join(encoded) };

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

    // {"events":[ the appends' elements, comma-separated ]}: the same bytes as serializing the entry.
    private static byte[] Join(IReadOnlyList<byte[]> arrays)
    {
        var length = Prefix.Length + arrays.Sum(a => a.Length - 2) + (arrays.Count - 1) + 2;
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
        json[at] = (byte)'}';
        return json;
    }

    private static ReadOnlySpan<byte> Prefix => "{\"events\":["u8;

    public static IReadOnlyList<Event> EventsOf(object payload) => payload switch
    {
        LogEntry entry => entry.Events,
        Event single => [single],
        _ => throw new InvalidOperationException($"The event log holds an entry of unexpected type {payload.GetType()}"),
    };
}
