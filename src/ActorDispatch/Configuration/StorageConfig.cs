using Akka.Configuration;
using Akka.Persistence.Sql;
using Microsoft.Data.Sqlite;

namespace ActorDispatch.Configuration;

/// <summary>
/// Builds the <c>akka.persistence</c> configuration for the engine's stores (Akka.Persistence.Sql)
/// from the tunables in <c>actordispatch.storage</c>: journal, snapshot store and read journal on
/// one database, Csv tag mode.
/// </summary>
public static class StorageConfig
{
    /// <summary>
    /// SQLite in a file: the zero-set-up default. Creates the directory, and switches the file to
    /// WAL mode (persisted in the file) so readers do not block the writer; the schema is created on
    /// first use by the plugin.
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
        return Build(connectionString, tunables);
    }

    /// <summary>PostgreSQL, the production store; the schema is created on first use.</summary>
    public static Config Postgres(string connectionString, Config? overrides = null) =>
        Build(connectionString, Tunables(overrides, "postgresql"));

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

    private static Config Build(string connectionString, Config t)
    {
        var cs = Quote(connectionString);
        var provider = Quote(t.GetString("provider-name"));
        var readIsolation = t.GetString("read-isolation-level");
        return ConfigurationFactory.ParseString($$"""
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
