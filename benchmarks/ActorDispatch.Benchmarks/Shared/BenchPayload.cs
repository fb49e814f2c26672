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

    private sealed record Body(
        [property: JsonPropertyName("seq")] long Seq,
        [property: JsonPropertyName("ts")] long Ts,
        [property: JsonPropertyName("pad")] string Pad);
}
