using System.Collections.Concurrent;
using System.Diagnostics;
using ActorDispatch.Model;
using ActorDispatch.TestSupport;
using ActorDispatch.Tests.Support;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Configuration;
using Akka.Event;
using Npgsql;

namespace ActorDispatch.Tests.Cluster;

/// <summary>
/// Three engine nodes in one process, with remoting's throttler between them: the node that runs a
/// namespace's log is cut off from the other two (a blackhole both ways, the database still in
/// reach). The minority side goes on writing until the split-brain resolver downs it, and the
/// majority writes only once the log has moved to it: there are never two writers of one log.
/// </summary>
[Trait("Category", "Postgres")]
[Trait("Category", "Cluster")]
[Trait("Category", "Slow")]
public sealed class PartitionSpec(ITestOutputHelper output) : Akka.TestKit.Xunit2.TestKit(output: null), IAsyncLifetime
{
    private const string LogsType = "actordispatch-logs";
    private const string Minority = "minority";
    private const string Majority = "majority";
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    // The remoting throttler under dot-netty, so that links can be cut; its addresses carry the
    // protocol akka.trttl.tcp, so the seeds are given here with it rather than through the
    // engine's Seeds option (whose addresses are akka.tcp ones).
    private static Config Throttled(IEnumerable<int> seedPorts) => ConfigurationFactory.ParseString($"""
        akka.remote.dot-netty.tcp.applied-adapters = [trttl]
        akka.cluster.seed-nodes = [{string.Join(", ", seedPorts.Select(p => $"\"akka.trttl.tcp://actordispatch@127.0.0.1:{p}\""))}]
        """);

    private readonly TestStore _store = TestStore.Create(StoreKind.Postgres);
    private readonly List<ClusterNode> _nodes = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private sealed record Ack(string Side, string Node, string Tag, Guid Id, long Sequence, TimeSpan SentAt, TimeSpan AckedAt);

    private sealed record Failure(string Side, string Node, string Tag, TimeSpan SentAt, TimeSpan FailedAt, string Error);

    public async Task InitializeAsync()
    {
        var ports = LoopbackPorts.Free(3);
        var extra = Throttled([ports[0], ports[1]]);
        for (var i = 0; i < ports.Length; i++)
        {
            var node = await ClusterNode.StartAsync($"node{i + 1}", ports[i], [], _store.ConnectionString!, extra);
            ForwardLogs(node);
            _nodes.Add(node);
        }
        await AwaitAssertAsync(() => Assert.All(_nodes, n => Assert.Equal(3, n.Cluster.State.Members.Count(m => m.Status == MemberStatus.Up))),
            TimeSpan.FromSeconds(60), Interval);
        Assert.All(_nodes, n => Assert.Equal("akka.trttl.tcp", n.SelfAddress.Protocol));
        Note($"cluster up: {string.Join(", ", _nodes.Select(n => $"{n.Name}={n.SelfAddress}"))}");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            try
            {
                await node.DisposeAsync();
            }
            catch (Exception ex)
            {
                Note($"disposing {node.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        _store.Dispose();
    }

    [SkippableFact]
    public async Task A_node_cut_off_from_the_majority_stops_writing_before_the_majority_takes_its_log_over()
    {
        var (node1, node2, node3) = (_nodes[0], _nodes[1], _nodes[2]);
        var (ns, shard) = await FindNamespaceRunningOnAsync(node3, via: node1);
        var lease = $"actordispatch-shard-{LogsType}-{shard}";
        Note($"namespace {ns} (shard {shard}) runs on {node3.Name}; lease {lease} held by {await LeaseOwnerAsync(lease)}");
        Assert.True(IsLeaseOwner(node3, await LeaseOwnerAsync(lease)));

        // The partition: node3 on one side, node1 and node2 on the other; every node still reaches PostgreSQL.
        await Task.WhenAll(node3.BlackholeAsync(node1), node3.BlackholeAsync(node2), node1.BlackholeAsync(node3), node2.BlackholeAsync(node3));
        var cutAt = _clock.Elapsed;
        Note($"cut {node3.Name} off from {node1.Name} and {node2.Name}");

        var acks = new ConcurrentQueue<Ack>();
        var failures = new ConcurrentQueue<Failure>();
        using var stop = new CancellationTokenSource();
        var minority = AppendLoopAsync(Minority, [node3], ns, acks, failures, stop.Token);
        var majority = AppendLoopAsync(Majority, [node1, node2], ns, acks, failures, stop.Token);
        TimeSpan minorityDownAt, removedAt, takenOverAt;
        try
        {
            // Keep-majority: node3, alone, downs itself; node1 and node2 down it and remove it.
            await AwaitAssertAsync(() => Assert.True(IsDown(node3), $"{node3.Name} is {node3.Cluster.SelfMember.Status}"), TimeSpan.FromSeconds(30), Interval);
            minorityDownAt = _clock.Elapsed;
            Note($"{node3.Name} down ({(node3.System.WhenTerminated.IsCompleted ? "terminated" : node3.Cluster.SelfMember.Status.ToString())})");
            await AwaitAssertAsync(() => Assert.All(new[] { node1, node2 }, n =>
            {
                Assert.DoesNotContain(n.Cluster.State.Members, m => m.Address == node3.SelfAddress);
                Assert.Empty(n.Cluster.State.Unreachable);
            }), TimeSpan.FromSeconds(30), Interval);
            removedAt = _clock.Elapsed;
            Note($"{node1.Name} and {node2.Name} removed {node3.Name}");

            // The log moves to the majority, whose appends then succeed.
            await AwaitAssertAsync(() => Assert.True(acks.Count(a => a.Side == Majority) >= 10, $"{acks.Count(a => a.Side == Majority)} majority acks"),
                TimeSpan.FromSeconds(30), Interval);
            takenOverAt = acks.Where(a => a.Side == Majority).Min(a => a.AckedAt);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(minority, majority);
            Report(acks, failures, cutAt);
        }

        var acked = acks.ToList();
        var minorityAcks = acked.Where(a => a.Side == Minority).ToList();
        var majorityAcks = acked.Where(a => a.Side == Majority).ToList();
        output.WriteLine($"timings from the cut: {node3.Name} down after {Seconds(minorityDownAt - cutAt)}, removed by the majority after {Seconds(removedAt - cutAt)}, "
            + $"last minority ack after {(minorityAcks.Count > 0 ? Seconds(minorityAcks.Max(a => a.AckedAt) - cutAt) : "-")}, "
            + $"first majority ack after {Seconds(takenOverAt - cutAt)}");

        // (a) No sequence was handed out twice: two writers would both give out the next one.
        var twice = acked.GroupBy(a => a.Sequence).Where(g => g.Count() > 1).ToList();
        Assert.True(twice.Count == 0, "sequences acknowledged twice: " + string.Join("; ", twice.Select(g => $"{g.Key}: {string.Join(", ", g.Select(Describe))}")));
        Assert.Equal(acked.Count, acked.Select(a => a.Id).Distinct().Count());

        // (b) Every acknowledged event is in the journal, as acknowledged, and the journal is dense.
        var journal = await ReadJournalAsync(node1, ns, acked);
        Assert.Equal(Enumerable.Range(1, journal.Count).Select(i => (long)i), journal.Select(e => e.Sequence));
        foreach (var ack in acked)
        {
            Assert.True(ack.Sequence <= journal.Count, $"{Describe(ack)} is past the journal's head {journal.Count}");
            var stored = journal[(int)ack.Sequence - 1];
            Assert.True(stored.Id == ack.Id && stored.Tag == ack.Tag,
                $"{Describe(ack)}, but the journal has {stored.Id} ({stored.Type} {stored.Tag}) at that sequence");
        }
        // The log may still be moving to node2 after the heal: its head is asked again until it answers.
        await AwaitAssertAsync(async () => Assert.Equal(journal.Count, await node2.Dispatch.GetHeadAsync(ns)), TimeSpan.FromSeconds(30), Interval);

        // (c) The minority stopped before the majority started: in time, and in the journal.
        Assert.NotEmpty(minorityAcks);
        Assert.True(minorityAcks.Max(a => a.AckedAt) < majorityAcks.Min(a => a.AckedAt),
            $"last minority ack at {Seconds(minorityAcks.Max(a => a.AckedAt) - cutAt)}, first majority ack at {Seconds(majorityAcks.Min(a => a.AckedAt) - cutAt)}");
        var lastMinority = journal.Where(e => e.Type == Minority).Max(e => e.Sequence);
        var firstMajority = journal.Where(e => e.Type == Majority).Min(e => e.Sequence);
        Assert.True(lastMinority < firstMajority, $"minority events up to sequence {lastMinority}, majority events from {firstMajority}: interleaved");

        // (d) The log's shard, and its lease, ended up on a majority node.
        var hosts = new List<ClusterNode>();
        foreach (var node in new[] { node1, node2 })
            if ((await RegionStateAsync(node)).Shards.Any(s => s.EntityIds.Contains(ns))) hosts.Add(node);
        var owner = await LeaseOwnerAsync(lease);
        Note($"{ns} now runs on {string.Join(", ", hosts.Select(n => n.Name))}; lease held by {owner}");
        Assert.Single(hosts);
        Assert.True(IsLeaseOwner(hosts[0], owner), $"the lease is held by {owner}, not {hosts[0].Name}");
    }

    /// <summary>
    /// Appends one event to each of p0, p1, ... through <paramref name="via"/>, twenty at a time,
    /// until <paramref name="node"/> runs the log of one of them; that namespace and its shard. A node
    /// whose region registered late gets shards only from later allocations or a rebalance.
    /// </summary>
    private async Task<(string Namespace, string Shard)> FindNamespaceRunningOnAsync(ClusterNode node, ClusterNode via)
    {
        var next = 0;
        (string Namespace, string Shard) found = default;
        await AwaitAssertAsync(async () =>
        {
            for (var i = next; i < next + 20; i++) await via.AppendWithRetryAsync($"p{i}", new NewEvent { Type = "seed", Tag = $"p{i}" });
            next += 20;
            var hosted = (await RegionStateAsync(node)).Shards
                .SelectMany(s => s.EntityIds.Select(e => (Namespace: e, Shard: s.ShardId)))
                .Where(x => x.Namespace.StartsWith('p'))
                .OrderBy(x => x.Namespace, StringComparer.Ordinal)
                .ToList();
            Assert.True(hosted.Count > 0, $"{node.Name} runs none of the logs p0..p{next - 1}");
            found = hosted[0];
        }, TimeSpan.FromSeconds(40), TimeSpan.FromMilliseconds(500));
        return found;
    }

    private static Task<CurrentShardRegionState> RegionStateAsync(ClusterNode node) =>
        ClusterSharding.Get(node.System).ShardRegion(LogsType).Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));

    /// <summary>
    /// Appends one event at a time through <paramref name="via"/> (round robin) until stopped,
    /// recording each acknowledgement and each failure. A caller gives up on an append after
    /// <see cref="AttemptTimeout"/> (sooner than the engine's ask timeout, so that the first
    /// majority ack is timed closely); an append given up on may still be written, unacknowledged.
    /// </summary>
    private async Task AppendLoopAsync(string side, ClusterNode[] via, string ns, ConcurrentQueue<Ack> acks, ConcurrentQueue<Failure> failures, CancellationToken stop)
    {
        bool? succeeding = null;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var node = via[i % via.Length];
            var tag = $"{side}-{i}";
            var sentAt = _clock.Elapsed;
            try
            {
                using var attempt = new CancellationTokenSource(AttemptTimeout);
                var e = await node.Dispatch.AppendAsync(ns, new NewEvent { Type = side, Tag = tag }, attempt.Token);
                acks.Enqueue(new Ack(side, node.Name, tag, e.Id, e.Sequence, sentAt, _clock.Elapsed));
                if (succeeding != true) Note($"{side} appends via {node.Name} succeed: {tag} acked at sequence {e.Sequence}");
                succeeding = true;
                await Task.Delay(20, CancellationToken.None);
            }
            catch (Exception ex)
            {
                failures.Enqueue(new Failure(side, node.Name, tag, sentAt, _clock.Elapsed, $"{ex.GetType().Name}: {ex.Message}"));
                if (succeeding != false) Note($"{side} appends via {node.Name} fail: {tag}: {ex.GetType().Name}: {ex.Message}");
                succeeding = false;
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    /// <summary>The whole log, once it holds every acknowledged event (acknowledged means durable, so at once unless reads lag).</summary>
    private async Task<IReadOnlyList<Event>> ReadJournalAsync(ClusterNode node, string ns, IReadOnlyList<Ack> acked)
    {
        IReadOnlyList<Event> journal = [];
        var last = acked.Max(a => a.Sequence);
        try
        {
            await AwaitAssertAsync(async () =>
            {
                journal = await node.Dispatch.ReadEventsAsync(ns, 1, 100_000);
                Assert.True(journal.Count >= last, $"{journal.Count} events read, acks up to {last}");
            }, TimeSpan.FromSeconds(10), Interval);
        }
        catch (Exception)
        {
            Note($"the journal of {ns} ends at {journal.Count}, acks went up to {last}");
        }
        output.WriteLine($"journal of {ns}: {journal.Count} events, "
            + string.Join(", ", journal.GroupBy(e => e.Type).Select(g => $"{g.Key} {g.Count()} ({g.Min(e => e.Sequence)}..{g.Max(e => e.Sequence)})")));
        return journal;
    }

    private async Task<string?> LeaseOwnerAsync(string lease)
    {
        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT owner FROM actordispatch_leases WHERE name = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = lease });
        return await command.ExecuteScalarAsync() as string;
    }

    private static bool IsDown(ClusterNode node) =>
        node.System.WhenTerminated.IsCompleted || node.Cluster.IsTerminated || node.Cluster.SelfMember.Status is MemberStatus.Down or MemberStatus.Removed;

    // A shard's lease owner is its node's address: system@host:port (host:port in older Akka.NET).
    private static bool IsLeaseOwner(ClusterNode node, string? owner)
    {
        var hostPort = $"{node.SelfAddress.Host}:{node.SelfAddress.Port}";
        return owner == hostPort || owner == $"{node.SelfAddress.System}@{hostPort}";
    }

    private void Report(IEnumerable<Ack> acks, IEnumerable<Failure> failures, TimeSpan cutAt)
    {
        foreach (var side in new[] { Minority, Majority })
        {
            var a = acks.Where(x => x.Side == side).ToList();
            var f = failures.Where(x => x.Side == side).ToList();
            output.WriteLine($"{side}: {a.Count} acks"
                + (a.Count > 0 ? $" (sequences {a.Min(x => x.Sequence)}..{a.Max(x => x.Sequence)}, acked {Seconds(a.Min(x => x.AckedAt) - cutAt)}..{Seconds(a.Max(x => x.AckedAt) - cutAt)} after the cut)" : "")
                + $", {f.Count} failures"
                + (f.Count > 0 ? $" (sent {Seconds(f.Min(x => x.SentAt) - cutAt)}..{Seconds(f.Max(x => x.SentAt) - cutAt)}): "
                    + string.Join("; ", f.GroupBy(x => x.Error).Select(g => $"{g.Count()}x {g.Key}")) : ""));
        }
    }

    private static string Describe(Ack a) => $"{a.Tag} via {a.Node} acked as {a.Id} at sequence {a.Sequence}";

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds:F2}s";

    private void Note(string message)
    {
        try
        {
            output.WriteLine($"{_clock.Elapsed.TotalSeconds,7:F2}s ==== {message}");
        }
        catch (InvalidOperationException)
        {
            // After the test: no output to write to.
        }
    }

    // The nodes' own logs (INFO and up), interleaved with the spec's notes on one clock.
    private void ForwardLogs(ClusterNode node)
    {
        var forwarder = node.System.ActorOf(Props.Create(() => new LogForwarder(node.Name, output, _clock)), "spec-log-forwarder");
        node.System.EventStream.Subscribe(forwarder, typeof(LogEvent));
    }

    private sealed class LogForwarder : ReceiveActor
    {
        public LogForwarder(string node, ITestOutputHelper output, Stopwatch clock)
        {
            Receive<LogEvent>(e =>
            {
                try
                {
                    output.WriteLine($"{clock.Elapsed.TotalSeconds,7:F2}s {node} [{e.LogLevel()}] {e.LogSource}: {e.Message}{(e.Cause is { } c ? $" -- {c.GetType().Name}: {c.Message}" : "")}");
                }
                catch (InvalidOperationException)
                {
                    // After the test: no output to write to.
                }
            });
        }
    }
}
