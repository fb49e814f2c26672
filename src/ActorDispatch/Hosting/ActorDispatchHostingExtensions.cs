using ActorDispatch.Cluster;
using ActorDispatch.Configuration;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Hosting.SBR;
using Akka.Event;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace ActorDispatch.Hosting;

/// <summary>Embeds ActorDispatch in a host through Akka.Hosting.</summary>
public static class ActorDispatchHostingExtensions
{
    /// <summary>
    /// Adds the engine to the actor system: its reference config, the storage (SQLite at
    /// <c>data/actordispatch.db</c> unless configured), the transports, and an eager start.
    /// Pair with <see cref="AddActorDispatch"/> to resolve <see cref="IActorDispatch"/> from DI.
    /// </summary>
    public static AkkaConfigurationBuilder WithActorDispatch(this AkkaConfigurationBuilder builder, Action<ActorDispatchOptions>? configure = null)
    {
        var options = new ActorDispatchOptions();
        configure?.Invoke(options);
        builder.AddHocon(options.ToHocon(), HoconAddMode.Prepend);
        var storage = options.StorageHocon();
        builder.AddHocon(storage, HoconAddMode.Prepend);
        if (StorageConfig.ConnectionSetup(storage) is { } connections) builder.AddSetup(connections);
        if (options.Hocon is { IsEmpty: false } hocon) builder.AddHocon(hocon, HoconAddMode.Append); // beneath everything above, over the reference
        builder.AddHocon(ActorDispatchConfig.Reference, HoconAddMode.Append);
        builder.AddSetup(new ActorDispatchSetup(options.Transports));
        if (options.Cluster.Enabled) WithCluster(builder, options);
        builder.AddStartup((system, _) => ActorDispatchEngine.Get(system));
        return builder;
    }

    // Remoting on the node's address, Akka.Cluster with the keep-majority split-brain resolver and
    // the engine's cluster tuning, and the seeds joined once the system runs (their addresses need
    // the system's name, which only the system knows).
    private static void WithCluster(AkkaConfigurationBuilder builder, ActorDispatchOptions options)
    {
        var cluster = options.Cluster;
        if (options.PostgresConnectionString is not { Length: > 0 } postgres) throw Errors.ClusterNeedsPostgres();
        if (cluster.Port is < 0 or > 65535) throw Errors.InvalidField("Cluster:Port", $"{cluster.Port} is not a port");
        var seeds = cluster.Seeds.Select(ClusterHocon.ParseSeed).ToList();
        builder.WithRemoting(new RemoteOptions { HostName = cluster.Hostname, Port = cluster.Port });
        builder.AddHocon(ClusterHocon.Create(cluster.NodeName is { Length: > 0 } name ? name : $"{cluster.Hostname}:{cluster.Port}", postgres), HoconAddMode.Prepend);
        builder.WithClustering(new ClusterOptions { SplitBrainResolver = new KeepMajorityOption() });
        builder.AddStartup((system, _) =>
        {
            var self = ClusterSettings.Create(system)!;
            Akka.Cluster.Cluster.Get(system).JoinSeedNodes(seeds.Select(s => new Address("akka.tcp", system.Name, s.Host, s.Port)));
            Logging.GetLogger(system, "actordispatch").Info("Cluster node {0} at {1}:{2}, seeds {3}", self.NodeName, cluster.Hostname, cluster.Port,
                string.Join(", ", cluster.Seeds));
        });
    }

    /// <summary>Registers <see cref="IActorDispatch"/>: the engine of the host's <see cref="ActorSystem"/>.</summary>
    public static IServiceCollection AddActorDispatch(this IServiceCollection services) =>
        services.AddSingleton<IActorDispatch>(sp => ActorDispatchEngine.Get(sp.GetRequiredService<ActorSystem>()));
}
