using System.Diagnostics;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.PeerBench;

/// <summary>What one consumer saw: start of consumption to its last ack, its sequence check and latencies.</summary>
internal sealed record ConsumeResult(Interval Span, SequenceTracker Sequences, Latencies Latencies);

/// <summary>
/// The broker-neutral part of a consumer: an adapter calls <see cref="Start"/> once connected,
/// <see cref="Receive"/> with each delivery's body before acking it, and <see cref="Finish"/> after
/// the ack that completed it. Only the consumer's own loop calls it.
/// </summary>
internal sealed class ConsumeProgress(int expected)
{
    private readonly SequenceTracker _sequences = new(expected);
    private readonly Latencies _latencies = new(expected);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _start;
    private long _end;

    /// <summary>Completes once the consumer is connected and about to subscribe or read.</summary>
    public Task Started => _started.Task;

    public bool Complete => _sequences.Complete;

    public void Start()
    {
        _start = Stopwatch.GetTimestamp();
        _started.TrySetResult();
    }

    /// <summary>Checks one delivery's sequence and records its latency; true once every sequence has arrived.</summary>
    public bool Receive(ReadOnlySpan<byte> body)
    {
        var received = Stopwatch.GetTimestamp();
        var reader = new Utf8JsonReader(body);
        reader.Read();
        var (sequence, published) = BenchPayload.Read(ref reader);
        if (_sequences.See(sequence)) _latencies.Add(received - published);
        return _sequences.Complete;
    }

    public void Finish() => _end = Stopwatch.GetTimestamp();

    public ConsumeResult Result(string who) =>
        Complete && _end != 0
            ? new ConsumeResult(new Interval(_start, _end), _sequences, _latencies)
            : throw new InvalidOperationException($"{who} stopped after {_sequences.Unique} of {expected} events");
}
