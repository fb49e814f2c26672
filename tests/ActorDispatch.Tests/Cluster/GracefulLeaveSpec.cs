using System.Collections.Concurrent;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Configuration;

namespace ActorDispatch.Tests.Cluster;

/// <summary>
/// A node that leaves on purpose hands its entities over drained: its subscriptions persist their
/// offsets and its logs finish their writes first. The commit interval is far longer than the spec,
/// so only the drain can have persisted what was acked: were entities stopped instead, the
/// subscription would start again from its initial offset and redeliver everything.
/// </summary>
[Trait("Category", "Postgres")]
[Trait("Category", "Cluster")]
public sealed class GracefulLeaveSpec(ITestOutputHelper output) : ThreeNodeClusterSpec(LongCommitInterval)
{
    private static readonly Config LongCommitInterval = ConfigurationFactory.ParseString("actordispatch.dispatch.commit-interval = 10m");

    [SkippableFact]
    public async Task A_node_that_leaves_hands_its_subscription_over_with_the_offset_persisted_and_redelivers_nothing()
    {
        await Nodes[0].Dispatch.CreateSubscriptionAsync(new SubscriptionInput
        {
            Namespace = Ns, Name = "leave", Transport = "system", Options = new SubscriptionOptions { FirstEvent = "oldest", ReadAhead = 5 },
        });
        var received = new ConcurrentQueue<Event>();
        foreach (var node in Nodes) node.Listen(Ns, "leave", received, output.WriteLine);
        for (var i = 0; i < 20; i++) await Nodes[i % 3].Dispatch.AppendAsync(Ns, new NewEvent { Type = "before", Tag = $"{i}" });
        await AwaitAssertAsync(async () => Assert.Equal(20, (await Nodes[0].Dispatch.GetSubscriptionStatusAsync(Ns, "leave")).CurrentOffset),
            TimeSpan.FromSeconds(30), Interval);

        var dispatching = (await Nodes[0].Dispatch.GetSubscriptionStatusAsync(Ns, "leave")).Node;
        var leaving = Nodes.Single(n => n.Name == dispatching);
        output.WriteLine($"{leaving.Name} dispatches the subscription and leaves");
        await leaving.DisposeAsync(); // coordinated shutdown: leave the cluster, hand shards off
        Nodes.Remove(leaving);

        await AwaitAssertAsync(async () =>
        {
            var status = await Nodes[0].Dispatch.GetSubscriptionStatusAsync(Ns, "leave");
            Assert.NotEqual(leaving.Name, status.Node);
            Assert.Equal(20, status.CurrentOffset);
        }, TimeSpan.FromSeconds(30), Interval);
        await Nodes[0].Dispatch.AppendAsync(Ns, new NewEvent { Type = "after" });

        await AwaitAssertAsync(() => Assert.Contains(received, e => e.Type == "after"), TimeSpan.FromSeconds(30), Interval);
        Assert.Equal(Enumerable.Range(1, 21).Select(i => (long)i), received.Select(e => e.Sequence));
    }
}
