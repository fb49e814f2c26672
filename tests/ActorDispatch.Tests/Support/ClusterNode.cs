using ActorDispatch.Hosting;
using ActorDispatch.Model;
using ActorDispatch.TestSupport;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Remote;
using Akka.Remote.Transport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ActorDispatch.Tests.Support;

/// <summary>
/// One node of an in-process cluster: a generic host with Akka.Hosting and <c>WithActorDispatch</c>
/// in cluster mode, on its own loopback port, against a shared PostgreSQL store.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    // Fast enough for specs on a loaded machine, and a kill is a kill: terminating the system does
    // not leave the cluster first (a host's stop still does, through coordinated shutdown).
    private static readonly Config NodeTuning = ConfigurationFactory.ParseString("""
        akka.loglevel = INFO
        akka.coordinated-shutdown.run-by-actor-system-terminate = off
        akka.cluster.sharding.rebalance-interval = 2s
        """).WithFallback(EngineSpec.TestTuning);

    private readonly IHost _host;
    private bool _stopped;

    private ClusterNode(string name, int port, IHost host)
    {
        Name = name;
        Port = port;
        _host = host;
        System = host.Services.GetRequiredService<ActorSystem>();
        Dispatch = host.Services.GetRequiredService<IActorDispatch>();
    }

    public string Name { get; }

    public int Port { get; }

    public ActorSystem System { get; }

    public IActorDispatch Dispatch { get; }

    public static async Task<ClusterNode> StartAsync(string name, int port, IEnumerable<int> seedPorts, string postgres, Config? extra = null)
    {
        var host = Host.CreateDefaultBuilder()
            .ConfigureServices(services => services
                .AddActorDispatch()
                .AddAkka("actordispatch", akka => akka
                    .AddHocon((extra ?? Config.Empty).WithFallback(NodeTuning), HoconAddMode.Prepend)
                    .WithActorDispatch(o =>
                    {
                        o.PostgresConnectionString = postgres;
                        o.Cluster.Enabled = true;
                        o.Cluster.Port = port;
                        o.Cluster.NodeName = name;
                        foreach (var seed in seedPorts) o.Cluster.Seeds.Add($"127.0.0.1:{seed}");
                    })))
            .Build();
        await host.StartAsync();
        return new ClusterNode(name, port, host);
    }

    /// <summary>
    /// Starts <paramref name="count"/> nodes named node1, node2, … on free ports; the first two are the
    /// seeds (the first starts the cluster alone, the others join it).
    /// </summary>
    public static async Task<List<ClusterNode>> StartClusterAsync(int count, string postgres, Config? extra = null)
    {
        var ports = LoopbackPorts.Free(count);
        var nodes = new List<ClusterNode>();
        for (var i = 0; i < count; i++) nodes.Add(await StartAsync($"node{i + 1}", ports[i], [ports[0], ports[1]], postgres, extra));
        return nodes;
    }

    /// <summary>This node sees <paramref name="count"/> members up.</summary>
    public void AssertMembersUp(int count) => Assert.Equal(count, Cluster.State.Members.Count(m => m.Status == Akka.Cluster.MemberStatus.Up));

    /// <summary>Appends, retrying while the namespace's log is unavailable (it moves after a node died), for up to a minute.</summary>
    public async Task AppendWithRetryAsync(string ns, NewEvent e)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await Dispatch.AppendAsync(ns, e);
                return;
            }
            catch (ActorDispatchException ex) when (ex.Kind == ErrorKind.Unavailable && DateTime.UtcNow < deadline)
            {
            }
        }
    }

    /// <summary>Listens to a durable subscription in the background, acking every delivery into <paramref name="received"/>.</summary>
    public void Listen(string ns, string name, System.Collections.Concurrent.ConcurrentQueue<Event> received, Action<string> log) => _ = Task.Run(async () =>
    {
        try
        {
            await foreach (var d in Dispatch.ListenAsync(ns, name))
            {
                received.Enqueue(d.Event);
                await d.AckAsync();
            }
        }
        catch (Exception ex)
        {
            log($"listener on {Name} ended: {ex.Message}");
        }
    });

    public Akka.Cluster.Cluster Cluster => Akka.Cluster.Cluster.Get(System);

    /// <summary>This node's cluster address; with the throttler adapter its protocol is <c>akka.trttl.tcp</c>.</summary>
    public Address SelfAddress => Cluster.SelfAddress;

    /// <summary>
    /// Drops everything this node sends to or receives from <paramref name="other"/>, through
    /// remoting's throttler (needs <c>akka.remote.dot-netty.tcp.applied-adapters = [trttl]</c>).
    /// One side of a cut link: a partition cuts both.
    /// </summary>
    public async Task BlackholeAsync(ClusterNode other)
    {
        var transport = ((IRemoteActorRefProvider)((ExtendedActorSystem)System).Provider).Transport;
        if (!await transport.ManagementCommand(new SetThrottle(other.SelfAddress, ThrottleTransportAdapter.Direction.Both, Blackhole.Instance)))
            throw new InvalidOperationException($"{Name} cannot blackhole {other.Name}: is the trttl transport adapter applied?");
    }

    /// <summary>Stops the node abruptly: no leaving, no handoff; the others find it unreachable.</summary>
    public async Task KillAsync()
    {
        _stopped = true;
        await System.Terminate();
        _host.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopped) return;
        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
