using System.Globalization;
using System.Text;
using ActorDispatch.Configuration;
using ActorDispatch.Transports;
using Akka.Configuration;

namespace ActorDispatch.Hosting;

/// <summary>
/// Akka.Hosting options for the engine. Every property left null keeps the reference default
/// (<c>hocon/reference.conf</c>); only what is set is written into the HOCON.
/// </summary>
public sealed class ActorDispatchOptions
{
    /// <summary>The default SQLite file, relative to the working directory.</summary>
    public const string DefaultSqlitePath = "data/actordispatch.db";

    /// <summary>SQLite file (created with its directory on first start). Used when <see cref="PostgresConnectionString"/> is not set; default <see cref="DefaultSqlitePath"/>.</summary>
    public string? SqlitePath { get; set; }

    /// <summary>PostgreSQL connection string: the production store. Takes precedence over SQLite.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>
    /// Whether a commit is synced to disk before it is acknowledged (<see cref="StorageDurability.Full"/>,
    /// the default) or only survives a crash of the process (<see cref="StorageDurability.Process"/>);
    /// <c>actordispatch.storage.durability</c> in HOCON.
    /// </summary>
    public StorageDurability? Durability { get; set; }

    /// <summary>At most this many durable subscriptions (default 500).</summary>
    public int? MaxSubscriptions { get; set; }

    /// <summary>How often committed offsets are persisted at most (default 1s).</summary>
    public TimeSpan? CommitInterval { get; set; }

    /// <summary>Journal page size of dispatch reads (default 500).</summary>
    public int? PageSize { get; set; }

    /// <summary>Largest event data payload in bytes (default 1 MiB).</summary>
    public long? MaxDataSize { get; set; }

    /// <summary>Cluster mode; off unless <see cref="ActorDispatchClusterOptions.Enabled"/> is set.</summary>
    public ActorDispatchClusterOptions Cluster { get; } = new();

    /// <summary>
    /// Further <c>actordispatch</c> HOCON (e.g. an operator's file), layered between the properties
    /// above, which win, and the reference defaults. Its <c>actordispatch.storage.*</c> tunables also
    /// shape the storage configuration.
    /// </summary>
    public Config? Hocon { get; set; }

    /// <summary>Transports to run besides the built-in in-process <c>system</c> transport.</summary>
    public IList<IEventTransport> Transports { get; } = [];

    /// <summary>The <c>actordispatch</c> HOCON for the properties that were set, and nothing else.</summary>
    public Config ToHocon()
    {
        var sb = new StringBuilder();
        if (MaxSubscriptions is { } max) sb.AppendLine(CultureInfo.InvariantCulture, $"actordispatch.subscriptions.max = {max}");
        if (CommitInterval is { } ci) sb.AppendLine(CultureInfo.InvariantCulture, $"actordispatch.dispatch.commit-interval = {(long)ci.TotalMilliseconds}ms");
        if (PageSize is { } ps) sb.AppendLine(CultureInfo.InvariantCulture, $"actordispatch.dispatch.page-size = {ps}");
        if (Durability is { } d) sb.AppendLine(CultureInfo.InvariantCulture, $"{StorageDurabilitySetting.Path} = {d.Name()}");
        if (MaxDataSize is { } mds) sb.AppendLine(CultureInfo.InvariantCulture, $"actordispatch.log.max-data-size = {mds}");
        return sb.Length == 0 ? Config.Empty : ConfigurationFactory.ParseString(sb.ToString());
    }

    /// <summary>The storage configuration these options select.</summary>
    public Config StorageHocon()
    {
        // Config.Empty is one instance, and a config cannot fall back on itself.
        var own = ToHocon();
        var tunables = Hocon is null || Hocon.IsEmpty ? own : own.IsEmpty ? Hocon : own.WithFallback(Hocon);
        return PostgresConnectionString is { Length: > 0 } pg
            ? StorageConfig.Postgres(pg, tunables)
            : StorageConfig.Sqlite(SqlitePath ?? DefaultSqlitePath, tunables);
    }
}
