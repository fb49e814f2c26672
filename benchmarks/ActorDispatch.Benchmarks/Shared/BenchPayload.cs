using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// The data of a benchmark event, as in PeerBench: a sequence number, the publish timestamp
/// (<see cref="Stopwatch"/> ticks of this process) and padding, about
/// <c>size</c> bytes of JSON in all, e.g. <c>{"seq":42,"ts":123456789,"pad":"xxx..."}</c>.
/// </summary>
internal sealed class BenchPayload
{
    // Padding is sized for a five-digit sequence, so bodies are within a few bytes of the target.
    private const long TypicalSequence = 99_999;

    /// <summary>The body without padding.</summary>
    public static readonly int MinSize = JsonSerializer.SerializeToUtf8Bytes(new Body(TypicalSequence, Stopwatch.GetTimestamp(), "")).Length;

    private readonly string _pad;

    public BenchPayload(int size)
    {
        if (size < MinSize) throw new ArgumentOutOfRangeException(nameof(size), $"payload must be at least {MinSize} bytes");
        _pad = new string('x', size - MinSize);
        Size = size;
    }

    public int Size { get; }

    public JsonElement Create(long sequence, long timestamp) => JsonSerializer.SerializeToElement(new Body(sequence, timestamp, _pad));

    /// <summary>The same JSON as <see cref="Create"/>, as the bytes a bare journal stores.</summary>
    public byte[] CreateBytes(long sequence, long timestamp) => JsonSerializer.SerializeToUtf8Bytes(new Body(sequence, timestamp, _pad));

    public static (long Sequence, long Timestamp) Read(JsonElement data) =>
        (data.GetProperty("seq").GetInt64(), data.GetProperty("ts").GetInt64());

    /// <summary>The same, from a reader on the data's start; leaves it on the data's end.</summary>
    public static (long Sequence, long Timestamp) Read(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"event data must be an object, not {reader.TokenType}");
        long? sequence = null, timestamp = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isSequence = reader.ValueTextEquals("seq"u8);
            var isTimestamp = !isSequence && reader.ValueTextEquals("ts"u8);
            reader.Read();
            if (isSequence) sequence = reader.GetInt64();
            else if (isTimestamp) timestamp = reader.GetInt64();
            else reader.Skip();
        }
        return (sequence ?? throw new JsonException("event data has no seq"), timestamp ?? throw new JsonException("event data has no ts"));
    }

    private sealed record Body(
        [property: JsonPropertyName("seq")] long Seq,
        [property: JsonPropertyName("ts")] long Ts,
        [property: JsonPropertyName("pad")] string Pad);
}
