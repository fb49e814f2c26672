using ActorDispatch.Configuration;
using Akka.Configuration;
using Npgsql;

namespace ActorDispatch.Tests.Support;

/// <summary>The stores the storage-dependent specs run against.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>
/// A fresh, empty store for one test: a new SQLite file, or a new PostgreSQL database on the server
/// named by <c>ACTORDISPATCH_TEST_POSTGRES</c> (the test is skipped, saying so, when it is unset).
/// </summary>
public sealed class TestStore : IDisposable
{
    public const string PostgresVariable = "ACTORDISPATCH_TEST_POSTGRES";

    private readonly Action _drop;

    private TestStore(StoreKind kind, Config config, Action drop, string? connectionString = null)
    {
        Kind = kind;
        Config = config;
        _drop = drop;
        ConnectionString = connectionString;
    }

    public StoreKind Kind { get; }

    /// <summary>The <c>akka.persistence</c> configuration of this store.</summary>
    public Config Config { get; }

    /// <summary>The PostgreSQL store's connection string (to its fresh database); null for SQLite.</summary>
    public string? ConnectionString { get; }

    public static TestStore Create(StoreKind kind) => kind switch
    {
        StoreKind.Sqlite => CreateSqlite(),
        _ => CreatePostgres(),
    };

    private static TestStore CreateSqlite()
    {
        var path = TempDatabase.NewPath();
        return new TestStore(StoreKind.Sqlite, StorageConfig.Sqlite(path), () =>
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
        });
    }

    private static TestStore CreatePostgres()
    {
        var server = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrEmpty(server))
            throw new SkipException($"PostgreSQL tests skipped: {PostgresVariable} is not set (.ci/run starts a private server and sets it)");

        var database = $"ad_{Guid.NewGuid():N}";
        // Administrative connections are unpooled, so none is ever a stale one.
        var admin = new NpgsqlConnectionStringBuilder(server) { Pooling = false }.ConnectionString;
        using (var connection = new NpgsqlConnection(admin))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
            create.ExecuteNonQuery();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database, Pooling = true }.ConnectionString;
        return new TestStore(StoreKind.Postgres, StorageConfig.Postgres(connectionString), () =>
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(admin);
            connection.Open();
            using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
            drop.ExecuteNonQuery();
        }, connectionString);
    }

    public void Dispose()
    {
        try
        {
            _drop();
        }
        catch (Exception ex) when (ex is IOException or NpgsqlException)
        {
            // A leftover temp file or database is harmless; the test result stands.
        }
    }
}
