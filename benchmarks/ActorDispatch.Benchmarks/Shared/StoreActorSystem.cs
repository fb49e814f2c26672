using ActorDispatch.Configuration;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorDispatch.Benchmarks.Shared;

/// <summary>
/// A fresh <see cref="ActorSystem"/> on a fresh store — a SQLite file in its own temporary
/// directory, or a new database on the PostgreSQL server given by <c>--postgres</c> — with the
/// engine's storage and reference config: every measurement starts from an empty store. Disposing
/// shuts the system down (bounded) and deletes the file or drops the database.
/// </summary>
internal sealed class StoreActorSystem : IAsyncDisposable
{
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    private static readonly Config Quiet = ConfigurationFactory.ParseString("akka.loglevel = WARNING");

    private readonly Action _drop;

    private StoreActorSystem(ActorSystem system, Action drop)
    {
        System = system;
        _drop = drop;
    }

    public ActorSystem System { get; }

    /// <param name="name">The actor system's name.</param>
    /// <param name="overrides">HOCON over everything else, engine and storage settings alike (<c>--config</c>).</param>
    /// <param name="postgres">A PostgreSQL server's connection string, or null for SQLite.</param>
    public static StoreActorSystem Create(string name, Config overrides, string? postgres)
    {
        var (storage, drop) = postgres is null ? Sqlite(overrides) : Postgres(postgres, overrides);
        var config = overrides
            .WithFallback(Quiet)
            .WithFallback(storage)
            .WithFallback(ActorDispatchConfig.Reference);
        // SQLite's per-connection durability (synchronous=NORMAL for process) is a setup, not HOCON.
        var setup = BootstrapSetup.Create().WithConfig(config);
        var system = StorageConfig.ConnectionSetup(config) is { } connections
            ? ActorSystem.Create(name, ActorSystemSetup.Create(setup, connections))
            : ActorSystem.Create(name, setup);
        return new StoreActorSystem(system, drop);
    }

    /// <summary>The PostgreSQL server of <c>ACTORDISPATCH_BENCH_POSTGRES</c>, if set.</summary>
    public static string? DefaultPostgres =>
        Environment.GetEnvironmentVariable("ACTORDISPATCH_BENCH_POSTGRES") is { Length: > 0 } pg ? pg : null;

    /// <summary>The PostgreSQL server a <c>--store</c> value selects: null for sqlite.</summary>
    public static string? ForStore(string store, string? postgres) => store switch
    {
        "sqlite" => null,
        "postgres" => postgres ?? throw new ArgumentException("--store postgres needs --postgres CONN or ACTORDISPATCH_BENCH_POSTGRES"),
        _ => throw new ArgumentException($"--store must be sqlite or postgres, not '{store}'"),
    };

    /// <summary>How the runners describe the store in their notes.</summary>
    public static string Describe(string? postgres) =>
        postgres is null ? "SQLite file, WAL" : "PostgreSQL (a fresh database per repetition)";

    private static (Config, Action) Sqlite(Config overrides)
    {
        var directory = Path.Combine(Path.GetTempPath(), $"actordispatch-bench-{Guid.NewGuid():N}");
        return (StorageConfig.Sqlite(Path.Combine(directory, "events.db"), overrides), () =>
        {
            // Pooled connections keep the file open; release them before deleting it.
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException e)
            {
                Progress.Log($"could not delete {directory}: {e.Message}");
            }
        });
    }

    private static (Config, Action) Postgres(string server, Config overrides)
    {
        var (connectionString, drop) = CreateDatabase(server);
        return (StorageConfig.Postgres(connectionString, overrides), drop);
    }

    /// <summary>A new database on the PostgreSQL server: its connection string, and how to drop it (connections and all).</summary>
    public static (string ConnectionString, Action Drop) CreateDatabase(string server)
    {
        var database = $"bench_{Guid.NewGuid():N}";
        Execute(server, $"CREATE DATABASE \"{database}\"");
        return (new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString, () =>
        {
            NpgsqlConnection.ClearAllPools();
            Execute(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        });
    }

    private static void Execute(string connectionString, string sql)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ActorSystemTerminateReason.Instance).WaitAsync(ShutdownTimeout);
        }
        catch (TimeoutException)
        {
            Progress.Log($"actor system {System.Name} did not shut down within {ShutdownTimeout.TotalSeconds:F0} s; abandoning it");
        }
        _drop();
    }
}
