using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using ActorDispatch.Benchmarks.Shared;
using ActorDispatch.Model;

namespace ActorDispatch.Benchmarks.EndToEnd;

/// <param name="Seconds">Kill to the first delivery of an event appended after the kill.</param>
/// <param name="AppendsResumed">Kill to the first append sent after it that succeeded: near 0 unless the namespace's log was on the victim.</param>
internal sealed record FailoverResult(double Seconds, double AppendsResumed, string Victim, string Publisher, string Consumer, int FailedAppends, int Reconnects);

/// <summary>
/// The failover measurement (<c>--failover</c>): one subscription from <c>newest</c> streams events
/// appended one per REST call at a steady rate; once it streams, the node dispatching it (fetchstatus
/// <c>status.node</c>) is killed with SIGKILL, and the time runs from the kill to the consumer's receipt
/// of the first event whose append was sent after it. The placement is learnt first, so publisher and
/// consumer go to two other nodes. The consumer (the lean client, acking every event) reconnects if its
/// connection ends; appends that fail or stay unanswered for <see cref="AppendTimeout"/> (the namespace's log may
/// have been on the victim) are counted, not retried.
/// </summary>
internal static class FailoverMode
{
    private const string Subscription = "failover";
    private const int DefaultRate = 200;

    /// <summary>How long the subscription streams before the kill.</summary>
    public static readonly TimeSpan Streaming = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>An append not answered by then is given up (counted as failed), so that none waits out a dead node.</summary>
    public static readonly TimeSpan AppendTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Events per second: <c>--live-rate</c>, or 200.</summary>
    public static int Rate(E2eOptions o) => o.LiveRate > 0 ? o.LiveRate : DefaultRate;

    public static async Task<FailoverResult> RunAsync(ServerNodes nodes, E2eOptions o, BenchPayload payload)
    {
        using var timeout = new CancellationTokenSource(o.PhaseTimeout);
        var ct = timeout.Token;
        var ns = nodes.NextNamespace();
        await nodes.Nodes[0].CreateSubscriptionAsync(ns, Subscription, "websockets", WebSocketHost.Options(o.Variant, "newest"), ct);
        var victim = nodes[await NodeOfAsync(nodes.Nodes[0], ns, ct)];
        var others = nodes.Nodes.Where(n => n != victim).ToArray();
        var (publisher, consumer) = (others[0], others[1]);
        Progress.Log($"failover: {ns}/{Subscription} dispatches on {victim.Name}; publisher on {publisher.Name}, consumer on {consumer.Name}");

        var run = new Run(Rate(o) * (int)o.PhaseTimeout.TotalSeconds);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var consuming = ConsumeAsync(consumer.WebSocketUri(ns, Subscription), run, stop.Token);
        var publishing = PublishAsync(publisher, ns, payload, Rate(o), run, stop.Token);
        try
        {
            while ((await publisher.GetStatusAsync(ns, Subscription, ct)).Connection is null)
            {
                await Run.CheckAsync(consuming, publishing);
                await Task.Delay(PollInterval, ct);
            }
            await Task.Delay(Streaming, ct);
            if (run.Received == 0) throw new InvalidOperationException($"nothing arrived within {Streaming.TotalSeconds:F0} s of the consumer's connection");
            if (await NodeOfAsync(publisher, ns, ct) is var now && now != victim.Name) throw new InvalidOperationException($"the subscription moved to {now} before the kill");

            var killed = Stopwatch.GetTimestamp();
            victim.Kill();
            // Every event from here on was reserved, so sent, after the kill.
            var first = run.Reserved;
            var delivered = await run.FirstAsync(run.Receipts, first, consuming, publishing, ct);
            var appended = run.FirstFound(run.Appended, first);
            return new FailoverResult(Seconds(killed, delivered), appended == 0 ? double.NaN : Seconds(killed, appended), victim.Name, publisher.Name,
                consumer.Name, run.FailedAppends, run.Reconnects);
        }
        finally
        {
            await stop.CancelAsync();
            try
            {
                await Task.WhenAll(consuming, publishing);
            }
            catch (Exception) when (stop.IsCancellationRequested)
            {
                // Both end by cancellation; a failure of theirs surfaced above.
            }
            try
            {
                await publisher.DeleteSubscriptionAsync(ns, Subscription, CancellationToken.None);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or TaskCanceledException)
            {
                Progress.Log($"could not delete subscription {ns}/{Subscription}: {e.Message}");
            }
        }
    }

    private static double Seconds(long from, long to) => new Interval(from, to).Seconds;

    // The subscription entity starts on its node as it is created (remember-entities); its status names the node.
    private static async Task<string> NodeOfAsync(ServerNode api, string ns, CancellationToken ct)
    {
        while (true)
        {
            if ((await api.GetStatusAsync(ns, Subscription, ct)).Node is { } node) return node;
            await Task.Delay(PollInterval, ct);
        }
    }

    // One event per call, each sent on time however many are still unanswered (at most rate x AppendTimeout);
    // event i carries sequence i and is reserved before it is created and sent.
    private static async Task PublishAsync(ServerNode node, string ns, BenchPayload payload, int rate, Run run, CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        for (var sequence = 0; sequence < run.Receipts.Length; sequence++)
        {
            await PublishWindow.PaceAsync(start, sequence, rate, ct);
            run.Reserve(sequence);
            _ = AppendAsync(sequence);
        }
        throw new InvalidOperationException($"the publisher ran out of its {run.Receipts.Length} events");

        async Task AppendAsync(int sequence)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(AppendTimeout);
                var e = new NewEvent { Type = "order_created", Topic = "orders", Data = payload.Create(sequence, Stopwatch.GetTimestamp()) };
                await node.AppendAsync(ns, [e], timeout.Token);
                run.Appended[sequence] = Stopwatch.GetTimestamp();
            }
            catch (Exception) when (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref run.FailedAppends);
            }
            catch (Exception)
            {
                // Stopped: whatever was in flight no longer counts.
            }
        }
    }

    // Acks every event, as WebSocketConsumer's lean client does, and reconnects (to the same node) if the connection ends.
    private static async Task ConsumeAsync(Uri uri, Run run, CancellationToken ct)
    {
        var ack = new ArrayBufferWriter<byte>(256);
        await using var json = new Utf8JsonWriter(ack);
        while (true)
        {
            try
            {
                using var socket = await LeanWebSocket.ConnectAsync(uri, ct);
                await using var cancel = ct.UnsafeRegister(static s => ((LeanWebSocket)s!).Dispose(), socket);
                while (true)
                {
                    if (!socket.TryRead(out var frame))
                    {
                        await socket.FlushAsync();
                        await socket.ReceiveAsync();
                        continue;
                    }
                    var received = Stopwatch.GetTimestamp();
                    if (!WebSocketConsumer.Read(frame.Span, json, ack, out var sequence, out _)) continue;
                    run.Receive(sequence, received);
                    socket.QueueText(ack.WrittenSpan);
                }
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref run.Reconnects);
                Progress.Log($"failover consumer: {e.GetType().Name}: {e.Message}; reconnecting");
                await Task.Delay(100, ct);
            }
        }
    }

    /// <summary>One repetition's shared state: per sequence, when it arrived first and when its append succeeded (0: not yet).</summary>
    private sealed class Run(int capacity)
    {
        private int _reserved;
        private int _received;
        public int FailedAppends;
        public int Reconnects;

        public long[] Receipts { get; } = new long[capacity];

        public long[] Appended { get; } = new long[capacity];

        /// <summary>Events reserved so far: those from here on are created later.</summary>
        public int Reserved => Volatile.Read(ref _reserved);

        public int Received => Volatile.Read(ref _received);

        public void Reserve(int sequence) => Volatile.Write(ref _reserved, sequence + 1);

        public void Receive(long sequence, long timestamp)
        {
            if ((ulong)sequence >= (ulong)Receipts.Length || Receipts[sequence] != 0) return;
            Volatile.Write(ref Receipts[sequence], timestamp);
            Interlocked.Increment(ref _received);
        }

        /// <summary>The earliest timestamp from sequence <paramref name="first"/> on, once there is one.</summary>
        public async Task<long> FirstAsync(long[] times, int first, Task consuming, Task publishing, CancellationToken ct)
        {
            while (true)
            {
                if (FirstFound(times, first) is var found and not 0) return found;
                await CheckAsync(consuming, publishing);
                await Task.Delay(PollInterval, ct);
            }
        }

        /// <summary>The earliest timestamp from sequence <paramref name="first"/> on, or 0.</summary>
        public long FirstFound(long[] times, int first)
        {
            long earliest = 0;
            for (var i = first; i < Math.Min(Reserved, times.Length); i++)
            {
                var t = Volatile.Read(ref times[i]);
                if (t != 0 && (earliest == 0 || t < earliest)) earliest = t;
            }
            return earliest;
        }

        /// <summary>Surfaces why the consumer or the publisher stopped.</summary>
        public static async Task CheckAsync(Task consuming, Task publishing)
        {
            if (consuming.IsCompleted) await consuming;
            if (publishing.IsCompleted) await publishing;
        }
    }
}
