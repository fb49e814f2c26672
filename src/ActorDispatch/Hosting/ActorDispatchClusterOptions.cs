namespace ActorDispatch.Hosting;

/// <summary>
/// Cluster mode for <see cref="ActorDispatchOptions.Cluster"/>: several hosts on one PostgreSQL, each
/// serving every namespace and subscription, wherever its entity runs. Every node names the same
/// seeds; the first seed may start the cluster alone, the others join it.
/// </summary>
public sealed class ActorDispatchClusterOptions
{
    /// <summary>Runs on Akka.Cluster; needs <see cref="ActorDispatchOptions.PostgresConnectionString"/>.</summary>
    public bool Enabled { get; set; }

    /// <summary>The address this node listens on and is reached at by the others (default 127.0.0.1).</summary>
    public string Hostname { get; set; } = "127.0.0.1";

    /// <summary>The port this node listens on for the others (default 4053).</summary>
    public int Port { get; set; } = 4053;

    /// <summary>The seed nodes as <c>host:port</c>, the same list on every node.</summary>
    public IList<string> Seeds { get; } = [];

    /// <summary>This node's name in status and in <c>fetchstatus</c>; default <c>host:port</c>.</summary>
    public string? NodeName { get; set; }
}
