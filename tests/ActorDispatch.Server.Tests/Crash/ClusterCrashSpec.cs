using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests.Crash;

/// <summary>
/// Three server processes in cluster mode on one PostgreSQL database. Under load, the node that
/// dispatches a durable WebSocket subscription is killed with SIGKILL, while the publisher and the
/// consumer stay on the other two. Checks what the cluster promises: no acknowledged append lost,
/// sequences dense, first deliveries in order, redeliveries bounded by what the dead node had not
/// yet committed, and both subscriptions delivering new events again within 15 s of the kill.
/// </summary>
[Trait("Category", "Integration")]
[Trait("Category", "Postgres")]
[Trait("Category", "Slow")]
[Collection(nameof(PostgresServerCollection))]
public sealed class ClusterCrashSpec(ITestOutputHelper output)
{
    private const string Ns = "crash";
    private const int BatchSize = 20;
    private const int ReadAhead = 10;
    // Delivered to each subscription before the kill: enough that the kill lands mid-stream.
    private const int BeforeKill = 1500;
    private static readonly TimeSpan PublishPause = TimeSpan.FromMilliseconds(50);
    // A single append's answer; past it the batch is sent again under its key. An append sent to a
    // log on the dead node, or while its shard is handed over, may be lost on the way, and then gets
    // no answer within the server's ask-timeout (30 s): the client must give up sooner, and up to
    // this timeout may add to the resumption measured (appends answer in milliseconds otherwise).
    private static readonly TimeSpan AppendTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(1);
    // What persisting an offset may take beyond the interval on a loaded machine, acks' trip included.
    private static readonly TimeSpan CommitSlack = TimeSpan.FromSeconds(1.5);
    // A consumer connected for less may not have had an offset committed at all.
    private static readonly TimeSpan MinSessionAge = CommitInterval + CommitSlack + TimeSpan.FromSeconds(0.5);
    // The failover the engine documents (ClusterHocon): failure detector 3 s, stable-after 4 s, lease expiry 8 s.
    private static readonly TimeSpan MaxResumption = TimeSpan.FromSeconds(15);
    // Traffic after both subscriptions resumed: they must go on, not just deliver one event.
    private static readonly TimeSpan AfterResumption = TimeSpan.FromSeconds(3);

    [SkippableFact]
    public async Task Killing_the_node_that_dispatches_a_subscription_under_load_loses_nothing_and_resumes_within_15s()
    {
        var database = TestDatabase.Create();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var ct = cts.Token;
        using var cluster = new ClusterProcesses(3, database, Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"cluster-crash-{Guid.NewGuid():N}"));
        Log($"server logs in {cluster.LogDirectory}");
        var webhook = new ConcurrentQueue<Delivery>();
        await using var receiver = await LocalReceiver.StartAsync(body => webhook.Enqueue(new Delivery(0, (long)body["sequence"]!, DateTime.UtcNow)), ct);

        await cluster.StartAsync(TimeSpan.FromSeconds(60), Log, ct);
        Log("cluster formed: " + await ClusterProcesses.MembersAsync(cluster.Nodes[0], ct));
        var admin = cluster.Nodes[0].Http;
        await Put(admin, $$$"""{"name":"ws","transport":"websockets","options":{"firstEvent":"oldest","readAhead":{{{ReadAhead}}}}}""", ct);
        // readAhead 0: one request in flight, so that arrival order is delivery order.
        await Put(admin, $$$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","withData":false,"url":"{{{{receiver.Url}}}}","retry":{"initialDelay":"20ms","maxDelay":"200ms"}}}""", ct);

        // The publisher and the consumer go where the kill will not: onto the two nodes that do not
        // dispatch the WebSocket subscription.
        var dispatching = await ClusterStatus.DispatchingNodeAsync(admin, Ns, "ws", TimeSpan.FromSeconds(30), ct);
        var victim = cluster[dispatching];
        var survivors = cluster.Nodes.Where(n => n != victim).ToList();
        var (publisherNode, consumerNode) = (survivors[0], survivors[1]);
        var hookNode = await ClusterStatus.DispatchingNodeAsync(admin, Ns, "hook", TimeSpan.FromSeconds(30), ct);
        Log($"ws dispatched by {dispatching}, hook by {hookNode}; publishing through {publisherNode}, consuming through {consumerNode}");

        var ws = new WebSocketConsumer(new UriBuilder(consumerNode.Process.BaseAddress) { Scheme = "ws", Path = "/ws", Query = $"namespace={Ns}&name=ws" }.Uri);
        var consuming = ws.RunAsync(ct);
        using var publisher = new Publisher(publisherNode.Process.BaseAddress);
        var publishing = publisher.RunAsync(ct);

        var loadedBy = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(ws.Received.Count >= BeforeKill && webhook.Count >= BeforeKill && ws.ConnectedFor(MinSessionAge)))
        {
            if (publishing.IsCompleted) await publishing; // its failure, at once
            Assert.True(DateTime.UtcNow < loadedBy, $"before the kill, within 60 s: ws received {ws.Received.Count} in {ws.Sessions} session(s) {ws.Disconnects}, webhook {webhook.Count}, appended {publisher.Acknowledged.Count}");
            await Task.Delay(20, ct);
        }
        // A rebalance could have moved the subscription since; the kill must still hit its dispatcher.
        Assert.Equal(dispatching, await ClusterStatus.DispatchingNodeAsync(publisherNode.Http, Ns, "ws", TimeSpan.FromSeconds(10), ct));
        Log($"killing {victim}: ws received {ws.Received.Count}, webhook {webhook.Count}, appended {publisher.Acknowledged.Count}");
        // The kill takes up to a few hundred milliseconds (Kill walks the process tree, then waits for
        // the exit), in which the node may still answer: resumption is measured from before it, and an
        // event counts as appended after the kill only if its batch was first sent once the node was gone.
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var watching = WatchMembersAsync(publisherNode, stopWatching.Token);
        var killedAt = DateTime.UtcNow;
        victim.Process.Kill();
        var deadAt = DateTime.UtcNow;
        Log($"killed {victim} in {(deadAt - killedAt).TotalMilliseconds:F0} ms");

        var firstAfterKill = await WaitAsync(() => publisher.FirstSequenceSentAfter(deadAt), TimeSpan.FromSeconds(60), "no append was acknowledged after the kill", ct);
        Log($"first event appended after the kill: {firstAfterKill}, acknowledged {(publisher.AcknowledgedAt(firstAfterKill) - killedAt).TotalSeconds:F2} s after it; failed attempts: {publisher.Failures}");
        // Measured beyond the bound, so that a slow failover is reported with its figure.
        var wsResumed = await WaitAsync(() => FirstAt(ws.Received, firstAfterKill), TimeSpan.FromSeconds(60), "the WebSocket subscription never delivered an event appended after the kill", ct);
        var hookResumed = await WaitAsync(() => FirstAt(webhook, firstAfterKill), TimeSpan.FromSeconds(60), "the webhook subscription never delivered an event appended after the kill", ct);
        var wsResumption = wsResumed - killedAt;
        var hookResumption = hookResumed - killedAt;
        Log($"resumption after the kill: ws {wsResumption.TotalSeconds:F2} s (dispatched by {dispatching}), hook {hookResumption.TotalSeconds:F2} s (dispatched by {hookNode})");
        await stopWatching.CancelAsync();
        await watching;

        await Task.Delay(AfterResumption, ct);
        await publisher.StopAsync(publishing);
        var head = await Head(publisherNode.Http, ct);
        // Everything stored reaches both subscriptions; a deadline rather than the test's timeout, so
        // that a loss is reported as such, with what is missing.
        var drainedBy = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!(Covers(ws.Received, head) && Covers(webhook, head)) && DateTime.UtcNow < drainedBy) await Task.Delay(50, ct);
        ws.Stop();
        await consuming;
        Log($"{head} events stored; {publisher.Acknowledged.Count} acknowledged in {publisher.Batches} batches, {publisher.Retries} retries, " +
            $"{publisher.Replays} idempotent replays; ws {ws.Received.Count} deliveries in {ws.Sessions} session(s) {ws.Disconnects}; webhook {webhook.Count} requests");

        // Every acknowledged append survived the kill, read back through a survivor, and sequences are dense.
        var stored = await AllEvents(publisherNode.Http, head, ct);
        Assert.Equal(Enumerable.Range(1, (int)head).Select(i => (long)i), stored.Keys.Order());
        Assert.All(publisher.Acknowledged, a => Assert.Equal(a.Value, stored[a.Key].Id));
        // Not asserted: only at least once is promised to a client whose server ignores the key.
        Log($"{stored.Count - stored.Values.Select(e => e.Item).Distinct().Count()} stored events repeat an earlier one's item (retried appends the Idempotency-Key did not catch)");

        CheckSubscription("ws", ws.Received.ToList(), publisher, head, killedAt, deadAt);
        CheckSubscription("hook", webhook.ToList(), publisher, head, killedAt, deadAt);
        Assert.True(wsResumption <= MaxResumption, $"the WebSocket subscription resumed {wsResumption.TotalSeconds:F2} s after its node was killed, over {MaxResumption.TotalSeconds} s");
        Assert.True(hookResumption <= MaxResumption, $"the webhook subscription resumed {hookResumption.TotalSeconds:F2} s after the kill, over {MaxResumption.TotalSeconds} s");
    }

    private void CheckSubscription(string name, List<Delivery> deliveries, Publisher publisher, long head, DateTime killedAt, DateTime deadAt)
    {
        // At least once: every stored event, acknowledged ones included, arrived.
        var delivered = deliveries.Select(d => d.Sequence).ToHashSet();
        var missing = Enumerable.Range(1, (int)head).Select(i => (long)i).Where(s => !delivered.Contains(s)).ToList();
        Assert.True(missing.Count == 0, $"{name}: {missing.Count} of {head} events never delivered ({Ranges(missing)}); {publisher.Acknowledged.Keys.Count(missing.Contains)} of them acknowledged");

        // In order: each event's first delivery comes after every earlier event's first delivery.
        var firsts = deliveries.DistinctBy(d => d.Sequence).Select(d => d.Sequence).ToList();
        var outOfOrder = firsts.Zip(firsts.Skip(1), (a, b) => (Earlier: a, Later: b)).FirstOrDefault(p => p.Later < p.Earlier);
        Assert.True(outOfOrder == default, $"{name}: {outOfOrder.Later} first delivered after {outOfOrder.Earlier}");

        // Redeliveries come only from the dead node's uncommitted window. The subscription's new
        // dispatcher starts at the last committed offset; offsets are committed every commit
        // interval, so everything delivered (and acked at once) a commit interval plus slack before
        // the kill is covered. What it replays is at most what was first delivered after that and
        // before the kill, plus the readAhead + 1 deliveries that may be in flight when a
        // connection is handed over. Events appended during the failover window were never
        // delivered before it, so they add nothing; a subscription its dispatcher did not lose
        // replays nothing and meets the bound trivially.
        var before = deliveries.Where(d => d.At <= deadAt).ToList();
        var highest = before.Select(d => d.Sequence).DefaultIfEmpty(0).Max();
        var committed = before.Where(d => d.At <= killedAt - CommitInterval - CommitSlack).Select(d => d.Sequence).DefaultIfEmpty(0).Max();
        var duplicates = deliveries.Count - delivered.Count;
        var bound = highest - committed + ReadAhead + 1;
        Log($"{name}: {deliveries.Count} deliveries of {delivered.Count} events, {duplicates} duplicates (bound {bound}: delivered up to {highest} at the kill, committed at least {committed})");
        Assert.True(duplicates <= bound, $"{name}: {duplicates} duplicate deliveries, more than the {bound} the uncommitted window allows");
    }

    // How the survivors saw the failover: when the dead node became unreachable, then was removed.
    private async Task WatchMembersAsync(ClusterProcesses.Node node, CancellationToken ct)
    {
        var last = "";
        try
        {
            while (true)
            {
                var members = await ClusterProcesses.MembersAsync(node, ct);
                if (members != last) Log($"{node} sees {members}");
                last = members;
                await Task.Delay(100, ct);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Log(string line) => output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");

    private static DateTime? FirstAt(IEnumerable<Delivery> deliveries, long fromSequence) =>
        deliveries.Where(d => d.Sequence >= fromSequence).Select(d => (DateTime?)d.At).FirstOrDefault();

    private static bool Covers(IEnumerable<Delivery> deliveries, long head) => deliveries.Select(d => d.Sequence).Distinct().Count() >= head;

    private static string Ranges(List<long> sequences) =>
        string.Join(",", sequences.Select((s, i) => (s, key: s - i)).GroupBy(p => p.key).Take(10)
            .Select(g => g.First().s == g.Last().s ? $"{g.First().s}" : $"{g.First().s}-{g.Last().s}"));

    // Polls a value some other task produces.
    private static async Task<T> WaitAsync<T>(Func<T?> probe, TimeSpan timeout, string failure, CancellationToken ct) where T : struct
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (probe() is { } value) return value;
            Assert.True(DateTime.UtcNow < deadline, $"{failure} within {timeout.TotalSeconds} s");
            await Task.Delay(20, ct);
        }
    }

    // PUT is idempotent: a create that meets a catalog still starting (5xx) or a slow first write is sent again.
    private static async Task Put(HttpClient http, string body, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await http.PutAsync($"/api/v1/namespaces/{Ns}/subscriptions", Body(body), ct);
                if (response.IsSuccessStatusCode) return;
                Assert.True((int)response.StatusCode >= 500 && attempt < 20, await response.Content.ReadAsStringAsync(ct));
            }
            catch (TaskCanceledException) when (attempt < 20 && !ct.IsCancellationRequested)
            {
            }
            await Task.Delay(250, ct);
        }
    }

    private static async Task<long> Head(HttpClient http, CancellationToken ct)
    {
        var last = (await ReadJson(await http.GetAsync($"/api/v1/namespaces/{Ns}/events?sort=-sequence&limit=1", ct))).AsArray();
        return (long)last[0]!["sequence"]!;
    }

    private static async Task<Dictionary<long, (string Id, long Item)>> AllEvents(HttpClient http, long head, CancellationToken ct)
    {
        var all = new Dictionary<long, (string, long)>();
        for (long from = 1; from <= head; from += 1000)
        {
            var page = (await ReadJson(await http.GetAsync($"/api/v1/namespaces/{Ns}/events?sequence=>={from}&limit=1000", ct))).AsArray();
            foreach (var e in page) all[(long)e!["sequence"]!] = ((string)e["id"]!, (long)e["data"]!["i"]!);
        }
        return all;
    }

    private sealed record Delivery(int Session, long Sequence, DateTime At);

    /// <summary>
    /// Appends batches through one node, paced, each retried until acknowledged: on a 5xx or no
    /// answer within <see cref="AppendTimeout"/>. Each batch carries its own Idempotency-Key, so a
    /// retry of a batch the log did store answers its events instead of appending them again
    /// (where the server does not know the header, the retry appends again: at least once still holds).
    /// </summary>
    private sealed class Publisher(Uri baseAddress) : IDisposable
    {
        // Its own timeout per attempt (AppendTimeout), not the client's.
        private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        private sealed record Batch(DateTime FirstSent, DateTime Acknowledged, long[] Sequences);

        private readonly ConcurrentQueue<Batch> _batches = new();
        private volatile bool _stop;
        private int _retries;
        private int _replays;
        private readonly ConcurrentQueue<string> _failures = new();

        public ConcurrentDictionary<long, string> Acknowledged { get; } = new();

        public int Batches => _batches.Count;

        public int Retries => Volatile.Read(ref _retries);

        public int Replays => Volatile.Read(ref _replays);

        /// <summary>Each failed attempt: when it was sent, what it met, and after how long.</summary>
        public string Failures => string.Join(", ", _failures);

        /// <summary>The lowest sequence of the batches first sent after <paramref name="at"/>, once one is acknowledged.</summary>
        public long? FirstSequenceSentAfter(DateTime at) =>
            _batches.Where(b => b.FirstSent > at).Select(b => (long?)b.Sequences.Min()).FirstOrDefault();

        public DateTime AcknowledgedAt(long sequence) => _batches.First(b => b.Sequences.Contains(sequence)).Acknowledged;

        public async Task RunAsync(CancellationToken ct)
        {
            for (var n = 0; !_stop; n++)
            {
                var body = "[" + string.Join(",", Enumerable.Range(n * BatchSize, BatchSize).Select(i => $$$"""{"type":"crash_test","data":{"i":{{{i}}}}}""")) + "]";
                var key = $"batch-{n}";
                var firstSent = DateTime.UtcNow;
                while (true)
                {
                    var sent = DateTime.UtcNow;
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    attempt.CancelAfter(AppendTimeout);
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/namespaces/{Ns}/events") { Content = Body(body) };
                        request.Headers.Add("Idempotency-Key", key);
                        using var response = await _http.SendAsync(request, attempt.Token);
                        if (response.IsSuccessStatusCode)
                        {
                            var events = (await ReadJson(response)).AsArray();
                            foreach (var e in events) Acknowledged[(long)e!["sequence"]!] = (string)e["id"]!;
                            if (response.Headers.Contains("Idempotent-Replayed")) Interlocked.Increment(ref _replays);
                            _batches.Enqueue(new Batch(firstSent, DateTime.UtcNow, events.Select(e => (long)e!["sequence"]!).ToArray()));
                            break;
                        }
                        var text = await response.Content.ReadAsStringAsync(attempt.Token);
                        if ((int)response.StatusCode < 500) throw new InvalidOperationException($"append answered {(int)response.StatusCode}: {text}");
                        _failures.Enqueue($"{sent:HH:mm:ss.fff} {(int)response.StatusCode} in {(DateTime.UtcNow - sent).TotalSeconds:F1} s");
                    }
                    catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
                    {
                        _failures.Enqueue($"{sent:HH:mm:ss.fff} {(ex is OperationCanceledException ? "timeout" : ex.Message)} in {(DateTime.UtcNow - sent).TotalSeconds:F1} s");
                    }
                    Interlocked.Increment(ref _retries);
                    await Task.Delay(50, ct);
                }
                await Task.Delay(PublishPause, ct);
            }
        }

        public void Dispose() => _http.Dispose();

        /// <summary>Stops after the batch in progress is acknowledged, so that nothing is left half-sent.</summary>
        public async Task StopAsync(Task running)
        {
            _stop = true;
            await running;
        }
    }

    /// <summary>A WebSocket client that acks each delivery at once, records it, and reconnects whenever its socket drops.</summary>
    private sealed class WebSocketConsumer(Uri uri)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<string> _disconnects = new();
        private long _connectedAtTicks;
        private int _sessions;

        public ConcurrentQueue<Delivery> Received { get; } = new();

        public int Sessions => Volatile.Read(ref _sessions);

        public string Disconnects => _disconnects.IsEmpty ? "" : "(" + string.Join("; ", _disconnects) + ")";

        public bool ConnectedFor(TimeSpan duration)
        {
            var at = Volatile.Read(ref _connectedAtTicks);
            return at > 0 && DateTime.UtcNow - new DateTime(at, DateTimeKind.Utc) >= duration;
        }

        public void Stop() => _stop.Cancel();

        public async Task RunAsync(CancellationToken ct)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            var buffer = new byte[64 * 1024];
            while (!linked.IsCancellationRequested)
            {
                try
                {
                    using var ws = new ClientWebSocket();
                    await ws.ConnectAsync(uri, linked.Token);
                    var session = Interlocked.Increment(ref _sessions);
                    Volatile.Write(ref _connectedAtTicks, DateTime.UtcNow.Ticks);
                    while (true)
                    {
                        using var message = new MemoryStream();
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await ws.ReceiveAsync(buffer, linked.Token);
                            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException($"closed by the server: {result.CloseStatus} {result.CloseStatusDescription}");
                            message.Write(buffer, 0, result.Count);
                        } while (!result.EndOfMessage);
                        var frame = JsonNode.Parse(message.ToArray())!;
                        if (frame["sequence"] is null)
                        {
                            _disconnects.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} frame {frame.ToJsonString()}");
                            continue;
                        }
                        Received.Enqueue(new Delivery(session, (long)frame["sequence"]!, DateTime.UtcNow));
                        var ack = $$"""{"type":"ack","id":"{{frame["id"]}}"}""";
                        await ws.SendAsync(Encoding.UTF8.GetBytes(ack), WebSocketMessageType.Text, true, linked.Token);
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
                {
                    _disconnects.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {ex.Message}");
                    Volatile.Write(ref _connectedAtTicks, 0);
                    await Task.Delay(100, CancellationToken.None);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
