using System.Data.Common;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Persistence.Sql;
using Akka.Persistence.Sql.Config;
using LinqToDB;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace ActorDispatch.Configuration;

/// <summary>
/// Builds the <c>akka.persistence</c> configuration for the engine's stores (Akka.Persistence.Sql)
/// from the tunables in <c>actordispatch.storage</c>: journal, snapshot store and read journal on
/// one database, Csv tag mode. <c>actordispatch.storage.durability</c> (<see cref="StorageDurability"/>)
/// decides whether a commit is synced before it is acknowledged.
/// </summary>
public static class StorageConfig
{
    /// <summary>
    /// SQLite in a file: the zero-set-up default. Creates the directory, and switches the file to
    /// WAL mode (persisted in the file) so readers do not block the writer; the schema is created on
    /// first use by the plugin. With <see cref="StorageDurability.Process"/> the actor system also
    /// needs <see cref="ConnectionSetup"/> (<c>WithActorDispatch</c> adds it): SQLite's
    /// <c>synchronous</c> is a setting of each connection, which no connection string can carry.
    /// </summary>
    public static Config Sqlite(string path, Config? overrides = null)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var tunables = Tunables(overrides, "sqlite");
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Cache = SqliteCacheMode.Default,
            DefaultTimeout = tunables.GetInt("busy-timeout"),
            Pooling = true,
        }.ToString();
        EnableWal(connectionString);
        return Build(connectionString, tunables, StorageDurabilitySetting.Of(overrides));
    }

    /// <summary>
    /// PostgreSQL, the production store; the schema is created on first use. With
    /// <see cref="StorageDurability.Process"/> the engine's connections commit with
    /// <c>synchronous_commit=off</c> (a startup option of the connection string, so it holds for
    /// every pooled connection and no other client of the database).
    /// </summary>
    public static Config Postgres(string connectionString, Config? overrides = null)
    {
        var durability = StorageDurabilitySetting.Of(overrides);
        if (durability == StorageDurability.Process)
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            builder.Options = $"{builder.Options} -c synchronous_commit=off".Trim();
            connectionString = builder.ConnectionString;
        }
        return Build(connectionString, Tunables(overrides, "postgresql"), durability);
    }

    /// <summary>
    /// What the actor system needs besides <paramref name="config"/> for the durability it selects:
    /// for a SQLite journal with <see cref="StorageDurability.Process"/>, the connection options
    /// that switch each of the journal's, snapshot store's and read journal's connections to
    /// <c>synchronous=NORMAL</c> once opened; otherwise null.
    /// </summary>
    public static Setup? ConnectionSetup(Config config)
    {
        if (!IsSqlite(config) || StorageDurabilitySetting.Of(config) != StorageDurability.Process) return null;
        return new DataOptionsSetup(SqliteProcessDurability(
            config.GetString("akka.persistence.journal.sql.provider-name"),
            config.GetString("akka.persistence.journal.sql.connection-string")));
    }

    /// <summary>
    /// The durability the actor system of <paramref name="system"/> runs with. Refuses a SQLite
    /// journal set to <see cref="StorageDurability.Process"/> whose system lacks
    /// <see cref="ConnectionSetup"/>: it would report a durability it does not have.
    /// </summary>
    public static StorageDurability DurabilityOf(ActorSystem system)
    {
        var config = system.Settings.Config;
        var durability = StorageDurabilitySetting.Of(config);
        if (durability == StorageDurability.Process && IsSqlite(config) && !system.Settings.Setup.Get<DataOptionsSetup>().HasValue)
            throw Errors.InvalidField(StorageDurabilitySetting.Path,
                "process on SQLite needs the actor system set up with StorageConfig.ConnectionSetup (WithActorDispatch adds it)");
        if (IsPostgres(config) && durability == StorageDurability.Process != CommitsAsynchronously(config))
            throw Errors.InvalidField(StorageDurabilitySetting.Path,
                $"{durability.Name()} on PostgreSQL needs the storage configuration built for it (StorageConfig.Postgres with the same setting)");
        return durability;
    }

    private static bool IsPostgres(Config config) =>
        config.GetString("akka.persistence.journal.sql.provider-name", "").StartsWith("PostgreSQL", StringComparison.OrdinalIgnoreCase);

    private static bool CommitsAsynchronously(Config config) =>
        new NpgsqlConnectionStringBuilder(config.GetString("akka.persistence.journal.sql.connection-string", "")).Options?
            .Contains("synchronous_commit=off", StringComparison.OrdinalIgnoreCase) == true;

    /// <summary>linq2db options for a SQLite store whose every connection runs <c>synchronous=NORMAL</c>.</summary>
    internal static DataOptions SqliteProcessDurability(string providerName, string connectionString) =>
        new DataOptions()
            .UseConnectionString(providerName, connectionString)
            // A pooled connection comes back with its settings, but the statement is cheap (no I/O),
            // and a new physical connection must never miss it.
            .UseAfterConnectionOpened(SynchronousNormal);

    private static void SynchronousNormal(DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA synchronous=NORMAL;";
        command.ExecuteNonQuery();
    }

    /// <summary>Whether <paramref name="config"/>'s journal is SQLite, which one node alone can use.</summary>
    public static bool IsSqlite(Config config) =>
        config.GetString("akka.persistence.journal.sql.provider-name", "").StartsWith("SQLite", StringComparison.OrdinalIgnoreCase);

    private static Config Tunables(Config? overrides, string store) =>
        (overrides ?? Config.Empty).WithFallback(ActorDispatchConfig.Reference).GetConfig($"actordispatch.storage.{store}");

    private static void EnableWal(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    private static Config Build(string connectionString, Config t, StorageDurability durability)
    {
        var cs = Quote(connectionString);
        var provider = Quote(t.GetString("provider-name"));
        var readIsolation = t.GetString("read-isolation-level");
        return ConfigurationFactory.ParseString($$"""
            {{StorageDurabilitySetting.Path}} = {{durability.Name()}}
            akka.persistence {
              journal {
                plugin = "akka.persistence.journal.sql"
                sql {
                  connection-string = {{cs}}
                  provider-name = {{provider}}
                  read-isolation-level = {{readIsolation}}
                  tag-write-mode = Csv
                  auto-initialize = true
                  parallelism = {{t.GetInt("parallelism")}}
                  batch-size = {{t.GetInt("batch-size")}}
                  # A write of several entries is one multi-row insert: with parameters, not the
                  # default of entries' bytes rendered into the SQL text as literals.
                  prefer-parameters-on-multirow-insert = true
                  circuit-breaker.call-timeout = {{(int)t.GetTimeSpan("call-timeout").TotalMilliseconds}}ms
                  circuit-breaker.reset-timeout = {{(int)t.GetTimeSpan("reset-timeout").TotalMilliseconds}}ms
                  warn-on-auto-init-fail = false
                }
              }
              snapshot-store {
                plugin = "akka.persistence.snapshot-store.sql"
                sql {
                  connection-string = {{cs}}
                  provider-name = {{provider}}
                  read-isolation-level = {{readIsolation}}
                  auto-initialize = true
                  circuit-breaker.call-timeout = {{(int)t.GetTimeSpan("call-timeout").TotalMilliseconds}}ms
                  circuit-breaker.reset-timeout = {{(int)t.GetTimeSpan("reset-timeout").TotalMilliseconds}}ms
                  warn-on-auto-init-fail = false
                }
              }
              query.journal.sql {
                connection-string = {{cs}}
                provider-name = {{provider}}
                read-isolation-level = {{readIsolation}}
                write-plugin = "akka.persistence.journal.sql"
                tag-read-mode = Csv
              }
            }
            """).WithFallback(SqlPersistence.DefaultConfiguration);
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
