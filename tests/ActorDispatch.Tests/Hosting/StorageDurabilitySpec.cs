using ActorDispatch.Configuration;
using ActorDispatch.Hosting;
using ActorDispatch.Model;
using ActorDispatch.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Akka.Persistence.Sql.Config;
using LinqToDB.Data;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ActorDispatch.Tests.Hosting;

/// <summary>
/// <c>actordispatch.storage.durability</c>: full by default (a commit synced before it is
/// acknowledged), process on request, and read back from the connections the store configuration
/// gives the engine.
/// </summary>
public sealed class StorageDurabilitySpec
{
    private static readonly Config Process = ConfigurationFactory.ParseString("actordispatch.storage.durability = process");

    private const string JournalConnectionString = "akka.persistence.journal.sql.connection-string";

    [Fact]
    public void The_default_is_full_and_needs_no_connection_setup()
    {
        Assert.Equal(StorageDurability.Full, StorageDurabilitySetting.Of(null));
        var config = StorageConfig.Sqlite(TempDatabase.NewPath());
        Assert.Equal(StorageDurability.Full, StorageDurabilitySetting.Of(config));
        Assert.Null(StorageConfig.ConnectionSetup(config));
        Assert.True(new ActorDispatchOptions().ToHocon().IsEmpty);
    }

    [Theory]
    [InlineData("fsync")]
    [InlineData("\"\"")]
    public void An_unknown_value_is_refused_naming_the_setting(string value)
    {
        var e = Assert.Throws<ActorDispatchException>(() =>
            StorageConfig.Sqlite(TempDatabase.NewPath(), ConfigurationFactory.ParseString($"actordispatch.storage.durability = {value}")));
        Assert.Contains("actordispatch.storage.durability", e.Message);
        Assert.Contains("full or process", e.Message);
    }

    [Fact]
    public void SQLite_connections_run_synchronous_FULL_by_default_and_NORMAL_with_process_durability()
    {
        var full = StorageConfig.Sqlite(TempDatabase.NewPath());
        using (var connection = new SqliteConnection(full.GetString(JournalConnectionString)))
        {
            connection.Open();
            Assert.Equal(2L, Pragma(connection, "synchronous")); // FULL
            Assert.Equal("wal", Pragma(connection, "journal_mode"));
        }

        var process = StorageConfig.Sqlite(TempDatabase.NewPath(), Process);
        Assert.IsType<DataOptionsSetup>(StorageConfig.ConnectionSetup(process));
        var options = StorageConfig.SqliteProcessDurability(
            process.GetString("akka.persistence.journal.sql.provider-name"), process.GetString(JournalConnectionString));
        // Twice: the second connection comes from the pool, and must be set all the same.
        for (var i = 0; i < 2; i++)
        {
            using var db = new DataConnection(options);
            Assert.Equal(1L, db.Execute<long>("PRAGMA synchronous")); // NORMAL
            Assert.Equal("wal", db.Execute<string>("PRAGMA journal_mode"));
        }
    }

    [SkippableFact]
    public void PostgreSQL_connections_commit_synchronously_by_default_and_asynchronously_with_process_durability()
    {
        using var store = TestStore.Create(StoreKind.Postgres);
        Assert.Equal("on", ShowSynchronousCommit(StorageConfig.Postgres(store.ConnectionString!)));
        var process = StorageConfig.Postgres(store.ConnectionString!, Process);
        Assert.Equal("off", ShowSynchronousCommit(process));
        Assert.Equal(StorageDurability.Process, StorageDurabilitySetting.Of(process));
        Assert.Null(StorageConfig.ConnectionSetup(process)); // the connection string carries it
    }

    [Fact]
    public async Task A_host_with_process_durability_sets_up_its_connections_and_serves_appends()
    {
        var path = TempDatabase.NewPath();
        using var host = Host.CreateDefaultBuilder()
            .ConfigureServices(services => services
                .AddActorDispatch()
                .AddAkka("durability", akka => akka
                    .AddHocon("akka.loglevel = WARNING", HoconAddMode.Prepend)
                    .WithActorDispatch(o =>
                    {
                        o.SqlitePath = path;
                        o.Durability = StorageDurability.Process;
                    })))
            .Build();
        await host.StartAsync();
        try
        {
            var system = host.Services.GetRequiredService<ActorSystem>();
            Assert.True(system.Settings.Setup.Get<DataOptionsSetup>().HasValue);
            Assert.Equal(StorageDurability.Process, StorageConfig.DurabilityOf(system));
            var dispatch = host.Services.GetRequiredService<IActorDispatch>();
            var appended = await dispatch.AppendAsync("default", new NewEvent { Type = "hello" });
            var read = await dispatch.ReadEventsAsync("default", 1, 10);
            Assert.Equal(appended.Id, Assert.Single(read).Id);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task An_engine_on_SQLite_set_to_process_without_the_connection_setup_is_refused()
    {
        // HOCON alone cannot switch SQLite's per-connection synchronous: the engine must not report
        // a durability its connections do not have.
        var config = Process.WithFallback(StorageConfig.Sqlite(TempDatabase.NewPath())).WithFallback(ActorDispatchConfig.Reference);
        var system = ActorSystem.Create("refused", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(config));
        try
        {
            var e = Assert.Throws<ActorDispatchException>(() => StorageConfig.DurabilityOf(system));
            Assert.Contains("actordispatch.storage.durability", e.Message);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static object? Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name};";
        return command.ExecuteScalar();
    }

    private static string? ShowSynchronousCommit(Config storage)
    {
        using var connection = new NpgsqlConnection(storage.GetString(JournalConnectionString));
        connection.Open();
        using var command = new NpgsqlCommand("SHOW synchronous_commit", connection);
        return (string?)command.ExecuteScalar();
    }
}
