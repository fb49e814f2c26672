using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ActorDispatch.Diagnostics;
using Akka.Actor;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;

namespace ActorDispatch.Tests.Cluster;

/// <summary>
/// Three engine nodes in one process, in cluster mode on loopback, sharing one PostgreSQL store:
/// every node serves every namespace and subscription, and a node that dies hands its entities on.
/// </summary>
[Trait("Category", "Postgres")]
[Trait("Category", "Cluster")]
public sealed class ClusterSpec(ITestOutputHelper output) : ThreeNodeClusterSpec()
{
    [SkippableFact]
    public async Task Events_appended_on_any_node_reach_a_listener_on_another_in_order_and_acks_commit_everywhere()
    {
        await Nodes[0].Dispatch.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "orders", Transport = "system", Options = new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = 5 },
        });
        var received = new ConcurrentQueue<Event>();
        Nodes[1].Listen(Ns, "orders", received, output.WriteLine);

        // One writer per namespace wherever the append arrives: sequences stay dense.
        var appended = new List<Event>();
        for (var i = 0; i < 30; i++) appended.Add(await Nodes[i % 3].Dispatch.AppendAsync(Ns, new NewEvent { Type = "order_created", Tag = $"{i}" }));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), appended.Select(e => e.Sequence));

        await AwaitAssertAsync(() => Assert.Equal(30, received.Count), TimeSpan.FromSeconds(30), Interval);
        Assert.Equal(appended.Select(e => e.Id), received.Select(e => e.Id));
        foreach (var node in Nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var status = await node.Dispatch.GetSubscriptionStatusAsync(Ns, "orders");
                Assert.Equal(30, status.CurrentOffset);
                Assert.Contains(status.Node, Nodes.Select(n => n.Name));
            }, TimeSpan.FromSeconds(30), Interval);
        }
        Assert.Equal(30, await Nodes[2].Dispatch.GetHeadAsync(Ns));
        Assert.Single(await Nodes[2].Dispatch.ListSubscriptionsAsync(Ns));
    }

    [SkippableFact]
    public async Task Every_node_reports_the_membership_it_sees_and_one_of_them_is_the_leader()
    {
        var seen = new ConcurrentDictionary<(ActorSystem Node, string Gauge, string? Status), long>();
        using var listener = new MeterListener();
        var meters = Nodes.ToDictionary(n => ActorDispatchMetrics.Get(n.System).Meter, n => n.System);
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (meters.ContainsKey(instrument.Meter) && instrument.Name.StartsWith("actordispatch.cluster.", StringComparison.Ordinal)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? status = null;
            foreach (var tag in tags) if (tag.Key == "status") status = (string?)tag.Value;
            seen[(meters[instrument.Meter], instrument.Name, status)] = value;
        });
        listener.Start();

        await AwaitAssertAsync(() =>
        {
            listener.RecordObservableInstruments();
            foreach (var node in Nodes)
            {
                Assert.Equal(3, seen.GetValueOrDefault((node.System, "actordispatch.cluster.members", "up")));
                Assert.Equal(0, seen.GetValueOrDefault((node.System, "actordispatch.cluster.members", "joining"), -1));
                Assert.Equal(0, seen.GetValueOrDefault((node.System, "actordispatch.cluster.unreachable_members", null), -1));
            }
            Assert.Equal(1, Nodes.Sum(n => seen.GetValueOrDefault((n.System, "actordispatch.cluster.leader", null))));
        }, TimeSpan.FromSeconds(30), Interval);
    }

    [SkippableFact]
    public async Task When_the_node_dispatching_a_subscription_dies_another_takes_over_and_nothing_is_lost()
    {
        await Nodes[0].Dispatch.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "failover", Transport = "system", Options = new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = 5 },
        });
        // Two listeners on two nodes: one is active, the other takes over if its node dies.
        var received = new ConcurrentQueue<Event>();
        Nodes[1].Listen(Ns, "failover", received, output.WriteLine);
        Nodes[2].Listen(Ns, "failover", received, output.WriteLine);
        for (var i = 0; i < 20; i++) await Nodes[0].Dispatch.AppendAsync(Ns, new NewEvent { Type = "before", Tag = $"{i}" });
        await AwaitAssertAsync(async () => Assert.Equal(20, (await Nodes[0].Dispatch.GetSubscriptionStatusAsync(Ns, "failover")).CurrentOffset), TimeSpan.FromSeconds(30), Interval);

        var dispatching = (await Nodes[0].Dispatch.GetSubscriptionStatusAsync(Ns, "failover")).Node;
        var victim = Nodes.Single(n => n.Name == dispatching);
        var survivors = Nodes.Where(n => n != victim).ToList();
        output.WriteLine($"killing {victim.Name}, which dispatches the subscription");
        await victim.KillAsync();
        Nodes.Remove(victim);

        // Appends go on through the survivors, retried while the namespace's log moves.
        for (var i = 0; i < 20; i++) await survivors[i % 2].AppendWithRetryAsync(Ns, new NewEvent { Type = "after", Tag = $"{i}" });

        await AwaitAssertAsync(() => Assert.Equal(20, received.Where(e => e.Type == "after").Select(e => e.Tag).Distinct().Count()), TimeSpan.FromSeconds(60), Interval);
        // At least once, and in order of first delivery.
        var firsts = received.DistinctBy(e => e.Sequence).Select(e => e.Sequence).ToList();
        Assert.Equal(firsts.Order(), firsts);
        Assert.Equal(20, received.Where(e => e.Type == "before").Select(e => e.Tag).Distinct().Count());
        await AwaitAssertAsync(async () => Assert.NotEqual(victim.Name, (await survivors[0].Dispatch.GetSubscriptionStatusAsync(Ns, "failover")).Node), TimeSpan.FromSeconds(30), Interval);
    }
}
