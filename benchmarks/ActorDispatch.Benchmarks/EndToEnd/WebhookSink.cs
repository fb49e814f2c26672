using System.Diagnostics;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <summary>
/// What one webhook subscription's receiver saw. Requests arrive concurrently (readAhead &gt; 0), so
/// it is locked. The clock starts when the sink is made (just before its subscription is created,
/// since webhooks deliver at once) and stops at the request that completes the set.
/// </summary>
internal sealed class WebhookSink(int expected)
{
    private readonly Lock _gate = new();
    private readonly SequenceTracker _sequences = new(expected);
    private readonly Latencies _latencies = new(expected);
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TaskCompletionSource<ConsumeResult> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Expected => expected;

    public Task<ConsumeResult> Completion => _done.Task;

    /// <summary>Records a body: one event's data (<c>withData</c>), or an array of them (<c>batch</c>).</summary>
    public void Receive(JsonElement body, long received)
    {
        lock (_gate)
        {
            if (body.ValueKind == JsonValueKind.Array)
            {
                foreach (var data in body.EnumerateArray()) See(data, received);
            }
            else
            {
                See(body, received);
            }
            if (_sequences.Complete) _done.TrySetResult(new ConsumeResult(new Interval(_start, Stopwatch.GetTimestamp()), _sequences, _latencies));
        }
    }

    /// <summary>A request the receiver could not read ends the measurement rather than the timeout.</summary>
    public void Fail(Exception e) => _done.TrySetException(e);

    private void See(JsonElement data, long received)
    {
        var (sequence, published) = BenchPayload.Read(data);
        if (_sequences.See(sequence)) _latencies.Add(received - published);
    }
}
