using Akka.Configuration;

namespace ActorDispatch.Tests.Support;

/// <summary>
/// A spec over three engine nodes in this process, in cluster mode on loopback, sharing a fresh
/// PostgreSQL store (skipped without one): the nodes are up before each test and stopped after it.
/// </summary>
public abstract class ThreeNodeClusterSpec(Config? extra = null) : Akka.TestKit.Xunit2.TestKit(output: null), IAsyncLifetime
{
    protected const string Ns = "default";
    protected static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private readonly TestStore _store = TestStore.Create(StoreKind.Postgres);

    /// <summary>node1, node2 and node3; a spec removes a node it stopped itself.</summary>
    protected List<ClusterNode> Nodes { get; } = [];

    public async Task InitializeAsync()
    {
        Nodes.AddRange(await ClusterNode.StartClusterAsync(3, _store.ConnectionString!, extra));
        await AwaitAssertAsync(() => Assert.All(Nodes, n => n.AssertMembersUp(3)), TimeSpan.FromSeconds(60), Interval);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        _store.Dispose();
    }
}
