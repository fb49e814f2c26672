using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using static ActorDispatch.Server.Tests.ServerFixture;

namespace ActorDispatch.Server.Tests.Crash;

/// <summary>
/// Kills the server with SIGKILL several times while events stream to a durable WebSocket
/// subscription and a webhook subscription, restarts it on the same store, and checks what
/// at-least-once delivery promises: no acknowledged append lost, sequences dense, each subscription
/// in order with no event skipped, and redeliveries only after the committed offset, which covers
/// every ack the server had a commit interval (1s, plus slack) to persist before a kill.
/// </summary>
public abstract class CrashSpec(ITestOutputHelper output)
{
    private const int Events = 2000;
    private const int BatchSize = 20;
    private const int Kills = 3;
    private const int ReadAhead = 10;
    private static readonly TimeSpan PublishPause = TimeSpan.FromMilliseconds(60);
    private static readonly TimeSpan CommitInterval = TimeSpan.FromSeconds(1);
    // What persisting an offset may take beyond the interval on a loaded machine.
    private static readonly TimeSpan CommitSlack = TimeSpan.FromSeconds(1.5);
    // A session killed sooner may not have committed at all (a reconnect's replay burst can reach
    // the next kill's threshold within 50 ms), and the session after it then replays that session's
    // whole backlog again: kills wait until the client has been connected this long.
    private static readonly TimeSpan MinSessionAge = CommitInterval + CommitSlack + TimeSpan.FromSeconds(0.5);

    protected abstract string[] StoreArgs();

    [SkippableFact]
    [Trait("Category", "Integration")]
    public async Task Killing_the_server_mid_stream_loses_nothing_and_redelivers_only_after_the_committed_offset()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = cts.Token;
        using var server = new ServerProcess(StoreArgs());
        var arrivals = new ConcurrentQueue<long>();
        await using var receiver = await LocalReceiver.StartAsync(body => arrivals.Enqueue((long)body["sequence"]!), ct);
        await server.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        const string ns = "crash";
        await Create(http, $$$"""{"name":"ws","transport":"websockets","options":{"firstEvent":"oldest","readAhead":{{{ReadAhead}}}}}""", ct);
        await Create(http, $$$$"""{"name":"hook","transport":"webhooks","options":{"firstEvent":"oldest","withData":false,"url":"{{{{receiver.Url}}}}","retry":{"initialDelay":"20ms","maxDelay":"200ms"}}}""", ct);

        var acknowledged = new ConcurrentDictionary<long, string>();
        var ws = new WebSocketConsumer(new UriBuilder(server.BaseAddress) { Scheme = "ws", Path = "/ws", Query = $"namespace={ns}&name=ws" }.Uri);
        var consuming = ws.RunAsync(ct);
        var producing = ProduceAsync(http, ns, acknowledged, ct);

        var started = DateTime.MinValue; // the current server's start: only a connection made since counts
        for (var kill = 1; kill <= Kills; kill++)
        {
            while ((ws.Received.Count < kill * Events / (Kills + 1) && !producing.IsCompleted) || !ws.ConnectedFor(MinSessionAge, since: started)) await Task.Delay(20, ct);
            output.WriteLine($"kill {kill}: ws received {ws.Received.Count}, webhook {arrivals.Count}, appended {acknowledged.Count}");
            server.Kill();
            started = DateTime.UtcNow;
            await server.StartAsync(ct);
        }
        await producing;
        var head = await Head(http, ns, ct);
        while (!(ws.Covers(head) && arrivals.Distinct().Count() >= head)) await Task.Delay(50, ct);
        ws.Stop();
        await consuming;

        // Every append acknowledged to the client survived the kills, and sequences are dense.
        var stored = await AllEvents(http, ns, head, ct);
        Assert.Equal(Enumerable.Range(1, (int)head).Select(i => (long)i), stored.Keys.Order());
        Assert.All(acknowledged, a => Assert.Equal(a.Value, stored[a.Key]));
        Assert.True(acknowledged.Count >= Events);

        // WebSocket: in order within each connection, nothing skipped across reconnects, and a
        // reconnect replays only what follows the committed offset, which covers every ack the
        // server had a commit interval (plus slack) to persist before it was killed.
        var sessions = ws.Received.GroupBy(r => r.Session).OrderBy(g => g.Key).Select(g => g.ToList()).ToList();
        Assert.Equal(Kills + 1, server.Starts);
        Assert.True(sessions.Count >= 2, $"expected the WebSocket client to reconnect after a kill, saw {sessions.Count} session(s)");
        long highest = 0;
        long committed = 0; // at least
        for (var s = 0; s < sessions.Count; s++)
        {
            var session = sessions[s];
            Assert.True(session.Zip(session.Skip(1)).All(p => p.Item2.Sequence == p.Item1.Sequence + 1), $"session {s} out of order");
            Assert.True(session[0].Sequence <= highest + 1, $"session {s} skipped from {highest} to {session[0].Sequence}");
            var replayed = session.Count(r => r.Sequence <= highest);
            output.WriteLine($"session {s}: {session.Count} deliveries of {session[0].Sequence}..{session[^1].Sequence} over {(session[^1].At - session[0].At).TotalMilliseconds:F0} ms, {replayed} replayed");
            if (s > 0)
            {
                var previous = sessions[s - 1];
                var killed = previous[^1].At; // at the earliest
                committed = Math.Max(committed, previous.Where(r => r.At <= killed - CommitInterval - CommitSlack).Select(r => r.Sequence).DefaultIfEmpty(0).Max());
                Assert.True(replayed <= highest - committed + ReadAhead + 1,
                    $"session {s} replayed {replayed}, more than the {highest - committed} after offset {committed}, acked at least {(CommitInterval + CommitSlack).TotalSeconds} s before a kill, plus the window");
            }
            highest = Math.Max(highest, session[^1].Sequence);
        }

        // Webhook: never a forward jump (no event skipped), every event arrived.
        long max = 0;
        foreach (var seq in arrivals)
        {
            Assert.True(seq <= max + 1, $"webhook skipped from {max} to {seq}");
            max = Math.Max(max, seq);
        }
        output.WriteLine($"{head} events; ws {ws.Received.Count} deliveries in {sessions.Count} sessions; webhook {arrivals.Count} requests; {server.Starts} starts");
    }

    // PUT is idempotent, so a create whose answer is slow on a brand-new database (the store plugins
    // create their tables on first use) is simply sent again.
    private static async Task Create(HttpClient http, string body, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await http.PutAsync("/api/v1/namespaces/crash/subscriptions", Body(body), ct);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(ct));
                return;
            }
            catch (TaskCanceledException) when (attempt < 5 && !ct.IsCancellationRequested)
            {
            }
        }
    }

    // Appends in batches, paced so that the kills land mid-stream; a batch whose answer was lost to a
    // kill is sent again (it may then exist twice).
    private static async Task ProduceAsync(HttpClient http, string ns, ConcurrentDictionary<long, string> acknowledged, CancellationToken ct)
    {
        for (var sent = 0; sent < Events; sent += BatchSize)
        {
            var batch = "[" + string.Join(",", Enumerable.Range(sent, BatchSize).Select(i => $$$"""{"type":"crash_test","data":{"i":{{{i}}}}}""")) + "]";
            while (true)
            {
                try
                {
                    var response = await http.PostAsync($"/api/v1/namespaces/{ns}/events", Body(batch), ct);
                    if (response.IsSuccessStatusCode)
                    {
                        foreach (var e in (await ReadJson(response)).AsArray()) acknowledged[(long)e!["sequence"]!] = (string)e["id"]!;
                        await Task.Delay(PublishPause, ct);
                        break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                }
                await Task.Delay(50, ct);
            }
        }
    }

    private static async Task<long> Head(HttpClient http, string ns, CancellationToken ct)
    {
        var last = (await ReadJson(await http.GetAsync($"/api/v1/namespaces/{ns}/events?sort=-sequence&limit=1", ct))).AsArray();
        return (long)last[0]!["sequence"]!;
    }

    private static async Task<Dictionary<long, string>> AllEvents(HttpClient http, string ns, long head, CancellationToken ct)
    {
        var all = new Dictionary<long, string>();
        for (long from = 1; from <= head; from += 1000)
        {
            var page = (await ReadJson(await http.GetAsync($"/api/v1/namespaces/{ns}/events?sequence=>={from}&limit=1000", ct))).AsArray();
            foreach (var e in page) all[(long)e!["sequence"]!] = (string)e["id"]!;
        }
        return all;
    }

    /// <summary>A WebSocket client that reconnects after every kill, acks each delivery and records it.</summary>
    private sealed class WebSocketConsumer(Uri uri)
    {
        public sealed record Delivery(int Session, long Sequence, DateTime At);

        private readonly CancellationTokenSource _stop = new();
        private long _connectedAtTicks; // the current connection's

        public ConcurrentQueue<Delivery> Received { get; } = new();

        public bool Covers(long head) => Received.Select(r => r.Sequence).Distinct().Count() >= head;

        /// <summary>Whether the current connection was made after <paramref name="since"/> and has lasted at least <paramref name="duration"/>.</summary>
        public bool ConnectedFor(TimeSpan duration, DateTime since)
        {
            var at = new DateTime(Volatile.Read(ref _connectedAtTicks), DateTimeKind.Utc);
            return at > since && DateTime.UtcNow - at >= duration;
        }

        public void Stop() => _stop.Cancel();

        public async Task RunAsync(CancellationToken ct)
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
            var session = 0;
            var buffer = new byte[64 * 1024];
            while (!linked.IsCancellationRequested)
            {
                try
                {
                    using var ws = new ClientWebSocket();
                    await ws.ConnectAsync(uri, linked.Token);
                    session++;
                    Volatile.Write(ref _connectedAtTicks, DateTime.UtcNow.Ticks);
                    while (true)
                    {
                        using var message = new MemoryStream();
                        WebSocketReceiveResult result;
                        do
                        {
                            result = await ws.ReceiveAsync(buffer, linked.Token);
                            if (result.MessageType == WebSocketMessageType.Close) throw new WebSocketException("closed");
                            message.Write(buffer, 0, result.Count);
                        } while (!result.EndOfMessage);
                        var frame = JsonNode.Parse(message.ToArray())!;
                        Received.Enqueue(new Delivery(session, (long)frame["sequence"]!, DateTime.UtcNow));
                        var ack = $$"""{"type":"ack","id":"{{frame["id"]}}"}""";
                        await ws.SendAsync(Encoding.UTF8.GetBytes(ack), WebSocketMessageType.Text, true, linked.Token);
                    }
                }
                catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException)
                {
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

public sealed class CrashSpecOnSqlite(ITestOutputHelper output) : CrashSpec(output)
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "actordispatch-tests", $"crash-{Guid.NewGuid():N}.db");

    protected override string[] StoreArgs() => [$"--ActorDispatch:Storage:Sqlite={_path}"];
}

[Trait("Category", "Postgres")]
[Collection(nameof(PostgresServerCollection))]
public sealed class CrashSpecOnPostgres(ITestOutputHelper output) : CrashSpec(output)
{
    protected override string[] StoreArgs() => [$"--ActorDispatch:Storage:Postgres={TestDatabase.Create()}"];
}
