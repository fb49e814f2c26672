using System.Diagnostics;
using ActorDispatch.Cluster;
using ActorDispatch.Tests.Support;
using Akka.Actor;
using Akka.Configuration;
using Akka.Coordination;
using Akka.TestKit;
using Npgsql;

namespace ActorDispatch.Tests.Cluster;

/// <summary>
/// <see cref="PostgresLease"/> against a fresh PostgreSQL database, created as Cluster.Sharding
/// creates it: through Akka's <see cref="LeaseProvider"/> from the <c>actordispatch.cluster.lease</c>
/// section. Short timings (a 4s TTL, renewed every 500ms) keep it quick; the TTL leaves a holder
/// whose renewal takes the whole 1.5s operation timeout on a loaded machine time to try again.
/// </summary>
[Trait("Category", "Postgres")]
public sealed class PostgresLeaseSpec : Akka.TestKit.Xunit2.TestKit
{
    private const string ConfigPath = "actordispatch.cluster.lease";
    private const string LeaseName = "spec-shard-default";
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly TestStore _store;
    private readonly NpgsqlDataSource _database;

    public PostgresLeaseSpec(ITestOutputHelper output)
        : this(output, TestStore.Create(StoreKind.Postgres))
    {
    }

    private PostgresLeaseSpec(ITestOutputHelper output, TestStore store)
        : base(LeaseConfig(store.ConnectionString!), "lease-spec", output)
    {
        _store = store;
        _database = NpgsqlDataSource.Create(store.ConnectionString!);
    }

    /// <summary>A lost-callback's call: its reason, and what <see cref="Lease.CheckLease"/> said during it.</summary>
    private sealed record Lost(Exception Reason, bool CheckLeaseDuringCallback, DateTime At = default);

    [SkippableFact]
    public async Task One_owner_holds_the_lease_until_it_releases_it_and_then_another_can_acquire_it()
    {
        var a = LeaseFor("node-a");
        var b = LeaseFor("node-b");

        Assert.True(await a.Acquire());
        Assert.True(a.CheckLease());
        Assert.False(await b.Acquire());
        Assert.False(b.CheckLease());

        Assert.True(await a.Release());
        Assert.False(a.CheckLease());
        Assert.True(await b.Acquire());
        Assert.True(b.CheckLease());
        Assert.Equal("node-b", (await RowAsync())?.Owner);
    }

    [SkippableFact]
    public async Task A_holder_keeps_the_lease_over_several_ttls_by_its_heartbeats()
    {
        var lost = CreateTestProbe();
        var a = LeaseFor("node-a");
        var b = LeaseFor("node-b");
        Assert.True(await a.Acquire(e => lost.Tell(new Lost(e, a.CheckLease()))));
        var firstExpiry = (await RowAsync())!.Value.ExpiresAt;

        // Sampled throughout three TTLs: the holder holds it, the other owner is refused.
        var held = Stopwatch.StartNew();
        while (held.Elapsed < Ttl * 3)
        {
            Assert.False(await b.Acquire());
            Assert.True(a.CheckLease());
            await Task.Delay(Ttl / 8);
        }

        var row = (await RowAsync())!.Value;
        Assert.Equal("node-a", row.Owner);
        Assert.True(row.ExpiresAt - firstExpiry >= Ttl * 2, $"the expiry moved on by {row.ExpiresAt - firstExpiry} only");
        await lost.ExpectNoMsgAsync(TimeSpan.Zero);
    }

    [SkippableFact]
    public async Task A_holder_whose_row_is_taken_over_loses_the_lease_and_is_told_once()
    {
        var lost = CreateTestProbe();
        var a = LeaseFor("node-a");
        Assert.True(await a.Acquire(e => lost.Tell(new Lost(e, a.CheckLease()))));

        await ExecuteAsync("UPDATE actordispatch_leases SET owner = 'intruder', expires_at = now() + interval '1 hour'");

        var told = await lost.ExpectMsgAsync<Lost>(Interval * 3);
        Assert.IsType<LeaseException>(told.Reason);
        Assert.False(told.CheckLeaseDuringCallback);
        Assert.False(a.CheckLease());
        // No second call, and no more renewals: the row stays the intruder's.
        await lost.ExpectNoMsgAsync(Interval * 4);
        Assert.Equal("intruder", (await RowAsync())?.Owner);
    }

    [SkippableFact]
    public async Task A_holder_cut_off_from_the_database_gives_the_lease_up_before_the_database_would_let_another_owner_in()
    {
        var lost = CreateTestProbe();
        var a = LeaseFor("node-a");
        Assert.True(await a.Acquire(e => lost.Tell(new Lost(e, a.CheckLease(), DateTime.UtcNow))));

        await CutOffAsync();

        var told = await lost.ExpectMsgAsync<Lost>(Ttl * 4);
        // What matters: the holder had given up before the row's expiry (its last successful renewal
        // plus the TTL, by the database's clock, on this same machine) would let another owner in.
        await AllowConnectionsAsync();
        var expiry = (await RowAsync())!.Value.ExpiresAt;
        Assert.True(told.At < expiry, $"the holder gave the lease up at {told.At:O}, after the row's expiry {expiry:O}");
        Assert.IsType<LeaseTimeoutException>(told.Reason);
        Assert.False(told.CheckLeaseDuringCallback);
        Assert.False(a.CheckLease());
        await lost.ExpectNoMsgAsync(Interval * 2);
    }

    [SkippableFact]
    public async Task A_holder_that_dies_without_releasing_lets_another_owner_in_only_once_the_database_finds_the_row_expired()
    {
        var dying = ActorSystem.Create("dying", LeaseConfig(_store.ConnectionString!));
        try
        {
            var a = LeaseProvider.Get(dying).GetLease(LeaseName, ConfigPath, "node-a");
            Assert.True(await a.Acquire());
        }
        finally
        {
            await dying.Terminate();
        }
        var expiry = (await RowAsync())!.Value.ExpiresAt;

        var b = LeaseFor("node-b");
        Assert.False(await b.Acquire());
        await AwaitAssertAsync(async () => Assert.True(await b.Acquire()), Ttl * 3, TimeSpan.FromMilliseconds(50));

        var now = await DatabaseNowAsync();
        Assert.True(now >= expiry, $"acquired at {now:O} by the database's clock, before the dead holder's expiry {expiry:O}");
        Assert.Equal("node-b", (await RowAsync())?.Owner);
    }

    [SkippableFact]
    public async Task Acquire_is_idempotent_for_the_same_owner()
    {
        var a = LeaseFor("node-a");
        Assert.True(await a.Acquire());
        var firstExpiry = (await RowAsync())!.Value.ExpiresAt;

        Assert.Same(a, LeaseFor("node-a"));
        Assert.True(await a.Acquire());
        Assert.True(await LeaseFor("node-a").Acquire());
        Assert.True(a.CheckLease());

        var row = (await RowAsync())!.Value;
        Assert.Equal("node-a", row.Owner);
        Assert.True(row.ExpiresAt >= firstExpiry);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM actordispatch_leases"));
        Assert.False(await LeaseFor("node-b").Acquire());

        // One release undoes any number of acquires.
        Assert.True(await a.Release());
        Assert.True(await LeaseFor("node-b").Acquire());
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (!disposing) return;
        _database.Dispose();
        _store.Dispose();
    }

    private static Config LeaseConfig(string connectionString) => ConfigurationFactory.ParseString($$"""
        akka.loglevel = INFO
        akka.test.startup-timeout = 30s
        {{ConfigPath}} {
          lease-class = "ActorDispatch.Cluster.PostgresLease, ActorDispatch"
          heartbeat-timeout = {{(int)Ttl.TotalMilliseconds}}ms
          heartbeat-interval = {{(int)Interval.TotalMilliseconds}}ms
          lease-operation-timeout = 1500ms
          connection-string = "{{connectionString.Replace("\\", "\\\\").Replace("\"", "\\\"")}}"
        }
        """);

    private Lease LeaseFor(string owner) => LeaseProvider.Get(Sys).GetLease(LeaseName, ConfigPath, owner);

    private async Task<(string Owner, DateTime ExpiresAt)?> RowAsync()
    {
        await using var command = _database.CreateCommand("SELECT owner, expires_at FROM actordispatch_leases WHERE name = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = LeaseName });
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetDateTime(1)) : null;
    }

    private Task<DateTime> DatabaseNowAsync() => ScalarAsync<DateTime>("SELECT now()");

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _database.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _database.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Makes the lease's database unreachable: it takes no new connections, and the open ones are
    /// closed. Done from the server's maintenance database; the store's drop undoes it.
    /// </summary>
    private async Task AllowConnectionsAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(_store.ConnectionString);
        var database = builder.Database!;
        builder.Database = "postgres";
        builder.Pooling = false;
        await using var admin = NpgsqlDataSource.Create(builder.ConnectionString);
        await using var allow = admin.CreateCommand($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
        await allow.ExecuteNonQueryAsync();
    }

    private async Task CutOffAsync()
    {
        var builder = new NpgsqlConnectionStringBuilder(_store.ConnectionString);
        var database = builder.Database!;
        builder.Database = "postgres";
        builder.Pooling = false;
        await using var admin = NpgsqlDataSource.Create(builder.ConnectionString);
        await using (var refuse = admin.CreateCommand($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false"))
            await refuse.ExecuteNonQueryAsync();
        await using var terminate = admin.CreateCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1");
        terminate.Parameters.Add(new NpgsqlParameter<string> { TypedValue = database });
        await terminate.ExecuteScalarAsync();
    }
}

/// <summary>The lease's pure parts: its settings and its local clock.</summary>
public sealed class PostgresLeaseSettingsTests
{
    private static LeaseSettings Settings(string section) =>
        LeaseSettings.Create(
            ConfigurationFactory.ParseString(section).WithFallback(LeaseProvider.DefaultConfig().GetConfig("akka.coordination.lease")),
            "lease",
            "owner");

    [Fact]
    public void The_timeouts_are_Akkas_and_the_safety_margin_defaults_to_a_sixth_of_the_ttl()
    {
        var s = PostgresLeaseSettings.Create(Settings("""
            connection-string = "Host=db;Password=secret"
            heartbeat-timeout = 12s
            heartbeat-interval = 4s
            lease-operation-timeout = 5s
            """));
        Assert.Equal(new PostgresLeaseSettings("Host=db;Password=secret", TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2)), s);
        Assert.DoesNotContain("secret", s.ToString());
    }

    [Fact]
    public void An_empty_heartbeat_interval_is_a_third_of_the_ttl()
    {
        var s = PostgresLeaseSettings.Create(Settings("""
            connection-string = "Host=db"
            heartbeat-timeout = 30s
            heartbeat-interval = ""
            safety-margin = 3s
            """));
        Assert.Equal(TimeSpan.FromSeconds(10), s.HeartbeatInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), s.SafetyMargin);
    }

    [Theory]
    [InlineData("heartbeat-timeout = 12s\nheartbeat-interval = 4s")]
    [InlineData("connection-string = \"Host=db\"\nheartbeat-timeout = 12s\nheartbeat-interval = 4s\nsafety-margin = 8s")]
    public void A_missing_connection_string_or_a_margin_that_leaves_no_time_to_renew_is_refused(string section) =>
        Assert.Throws<ArgumentException>(() => PostgresLeaseSettings.Create(Settings(section)));

    [Fact]
    public void The_deadline_counts_from_when_the_statement_was_sent_and_renewals_never_wait_past_it()
    {
        var timing = new LeaseTiming(TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(10));
        var second = Stopwatch.Frequency;
        var sentAt = 1_000 * second;
        var deadline = timing.DeadlineFor(sentAt);

        Assert.Equal(sentAt + 10 * second, deadline);
        Assert.Equal(TimeSpan.FromSeconds(4), timing.DelayBeforeRenewal(sentAt, sentAt, deadline));
        // After failed attempts at +4s and +8s, the next wait ends at the deadline, not at +12s.
        Assert.Equal(TimeSpan.FromSeconds(2), timing.DelayBeforeRenewal(sentAt + 8 * second, sentAt + 8 * second, deadline));
        Assert.Equal(TimeSpan.Zero, timing.DelayBeforeRenewal(sentAt + 11 * second, sentAt + 8 * second, deadline));
        Assert.False(LeaseTiming.HasPassed(deadline - 1, deadline));
        Assert.True(LeaseTiming.HasPassed(deadline, deadline));
        Assert.Equal(TimeSpan.Zero, LeaseTiming.Remaining(deadline + second, deadline));
    }
}
