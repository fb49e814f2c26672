using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Coordination;
using Akka.Event;
using Npgsql;

namespace ActorDispatch.Cluster;

/// <summary>
/// An Akka.Coordination <see cref="Lease"/> kept as one row of <c>actordispatch_leases</c> in
/// PostgreSQL, so that Cluster.Sharding (or a singleton) never runs one entity on two nodes, even
/// when the cluster is partitioned: the database, not cluster membership, decides who holds it.
/// <para>
/// The row carries an expiry set by the database's clock (<c>now() + heartbeat-timeout</c>); another
/// owner may take the row only once the database finds it expired, so the nodes' clocks never
/// matter. The holder renews it every <c>heartbeat-interval</c>, and gives the lease up by its own
/// monotonic clock (<see cref="LeaseTiming"/>) a safety margin before the database would: if a
/// renewal finds the row gone or taken, or no renewal has succeeded for that long,
/// <see cref="CheckLease"/> turns false at once and the lost-callback is called, once.
/// </para>
/// Created by Akka's <see cref="LeaseProvider"/>, one instance per lease name and owner.
/// </summary>
internal sealed class PostgresLease : Lease
{
    private readonly PostgresLeaseSettings _settings;
    private readonly LeaseTiming _timing;
    private readonly LeaseTable _table;
    private readonly ILoggingAdapter _log;

    // One statement of this lease at a time, in call order: a shard that stops and starts again on
    // this node calls Release, then Acquire, and the database must see them in that order.
    private readonly SemaphoreSlim _gate = new(1, 1);

    private Tenure? _tenure;

    public PostgresLease(LeaseSettings settings, ExtendedActorSystem system)
        : base(settings)
    {
        _settings = PostgresLeaseSettings.Create(settings);
        _timing = LeaseTiming.From(_settings);
        _table = LeaseTable.For(system, _settings.ConnectionString);
        _log = Logging.GetLogger(system, typeof(PostgresLease));
        // A terminated system's node is gone: stop renewing and let the row expire. No callback,
        // and no release: that is the job of an orderly shutdown (shard hand-off) before this.
        system.RegisterOnTermination(() => Interlocked.Exchange(ref _tenure, null)?.TryEnd());
    }

    /// <summary>No I/O: whether the current tenure is neither ended nor past its local deadline.</summary>
    public override bool CheckLease() => Volatile.Read(ref _tenure)?.IsValid(Stopwatch.GetTimestamp()) == true;

    public override Task<bool> Acquire() => AcquireAsync(null);

    public override Task<bool> Acquire(Action<Exception> leaseLostCallback) => AcquireAsync(leaseLostCallback);

    /// <summary>
    /// Deletes the row if this owner holds it. True once the statement has run, whether or not
    /// the row was still this owner's: either way this owner no longer holds the lease.
    /// </summary>
    public override Task<bool> Release() => ReleaseAsync();

    private async Task<bool> AcquireAsync(Action<Exception>? onLost)
    {
        using var bound = new CancellationTokenSource(_settings.OperationTimeout);
        // Taken before waiting for the gate: an earlier start only makes the local deadline earlier.
        var sentAt = Stopwatch.GetTimestamp();
        Tenure? ended = null;
        Exception? reason = null;
        bool acquired;
        await EnterAsync("acquire", bound.Token, CancellationToken.None).ConfigureAwait(false);
        try
        {
            acquired = await RunAsync(
                "acquire",
                (table, ct) => table.TryAcquireAsync(Settings.LeaseName, Settings.OwnerName, _settings.HeartbeatTimeout, ct),
                bound.Token,
                CancellationToken.None).ConfigureAwait(false);

            var now = Stopwatch.GetTimestamp();
            var current = Volatile.Read(ref _tenure);
            if (current is not null && !(acquired && current.TryExtend(_timing.DeadlineFor(sentAt), now, onLost)))
            {
                // The database says another owner holds it, or the tenure ran out by the local clock
                // before its heartbeat loop noticed: that tenure is over; an acquired lease starts a new one.
                if (!acquired && current.TryEnd()) (ended, reason) = (current, TakenOver());
                else if (acquired && current.TryExpire(now)) (ended, reason) = (current, Expired(null));
                current = null;
            }
            if (acquired && current is null)
            {
                var tenure = new Tenure(_timing.DeadlineFor(sentAt), onLost);
                Volatile.Write(ref _tenure, tenure);
                _ = Task.Run(() => HeartbeatAsync(tenure, sentAt));
                _log.Debug("Lease [{0}] acquired by [{1}]", Settings.LeaseName, Settings.OwnerName);
            }
        }
        finally
        {
            _gate.Release();
        }
        if (ended is not null) Notify(ended, reason!);
        return acquired;
    }

    private async Task<bool> ReleaseAsync()
    {
        // Stop renewing first, so that an in-flight renewal gives the gate up at once.
        Interlocked.Exchange(ref _tenure, null)?.TryEnd();
        using var bound = new CancellationTokenSource(_settings.OperationTimeout);
        await EnterAsync("release", bound.Token, CancellationToken.None).ConfigureAwait(false);
        try
        {
            // ... and again: an acquire that held the gate meanwhile may have started a tenure.
            Interlocked.Exchange(ref _tenure, null)?.TryEnd();
            await RunAsync(
                "release",
                (table, ct) => table.ReleaseAsync(Settings.LeaseName, Settings.OwnerName, ct),
                bound.Token,
                CancellationToken.None).ConfigureAwait(false);
            _log.Debug("Lease [{0}] released by [{1}]", Settings.LeaseName, Settings.OwnerName);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Renews the row a heartbeat interval after each attempt until the tenure ends (release, loss,
    /// system termination). Failed renewals are retried on the same beat, never past the deadline:
    /// at the deadline the lease is lost, whatever the state of the in-flight call.
    /// </summary>
    private async Task HeartbeatAsync(Tenure tenure, long lastAttemptAt)
    {
        var stop = tenure.Stopping;
        Exception? lastFailure = null;
        try
        {
            while (true)
            {
                var delay = _timing.DelayBeforeRenewal(Stopwatch.GetTimestamp(), lastAttemptAt, tenure.Deadline);
                await Task.Delay(delay, stop).ConfigureAwait(false);
                var now = Stopwatch.GetTimestamp();
                if (LeaseTiming.HasPassed(now, tenure.Deadline))
                {
                    if (tenure.TryExpire(now)) Notify(tenure, Expired(lastFailure));
                    if (tenure.IsEnded) return;
                    continue; // extended meanwhile by an acquire of the same owner
                }
                lastAttemptAt = now;
                try
                {
                    if (!await RenewAsync(tenure, now).ConfigureAwait(false)) return;
                    if (lastFailure is not null) _log.Info("Lease [{0}] of [{1}]: renewals succeed again", Settings.LeaseName, Settings.OwnerName);
                    lastFailure = null;
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    if (lastFailure is null)
                        _log.Warning(e, "Lease [{0}] of [{1}]: a renewal failed; retrying every {2} until the lease runs out, {3} after the last success",
                            Settings.LeaseName, Settings.OwnerName, _settings.HeartbeatInterval, _timing.ValidFor);
                    lastFailure = e;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Released, lost or terminated: nothing more to renew.
        }
        catch (Exception e)
        {
            // Not expected; but a tenure nobody renews must not look held.
            if (tenure.TryEnd()) Notify(tenure, new LeaseException($"Lease [{Settings.LeaseName}] of [{Settings.OwnerName}]: its heartbeat failed", e));
        }
    }

    /// <summary>One renewal; false when it ended the tenure (row taken or gone, or answered too late).</summary>
    private async Task<bool> RenewAsync(Tenure tenure, long sentAt)
    {
        var stop = tenure.Stopping;
        var timeout = LeaseTiming.Remaining(sentAt, tenure.Deadline);
        if (timeout > _settings.OperationTimeout) timeout = _settings.OperationTimeout;
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(stop);
        bound.CancelAfter(timeout);
        Exception? reason = null;
        await EnterAsync("renewal", bound.Token, stop).ConfigureAwait(false);
        try
        {
            var renewed = await RunAsync(
                "renewal",
                (table, ct) => table.RenewAsync(Settings.LeaseName, Settings.OwnerName, _settings.HeartbeatTimeout, ct),
                bound.Token,
                stop).ConfigureAwait(false);
            var now = Stopwatch.GetTimestamp();
            if (!renewed)
            {
                if (tenure.TryEnd()) reason = TakenOver();
            }
            else if (!tenure.TryExtend(_timing.DeadlineFor(sentAt), now, null))
            {
                if (tenure.TryExpire(now)) reason = Expired(null);
            }
        }
        finally
        {
            _gate.Release();
        }
        if (reason is not null) Notify(tenure, reason);
        return !tenure.IsEnded;
    }

    private void Notify(Tenure tenure, Exception reason)
    {
        Interlocked.CompareExchange(ref _tenure, null, tenure);
        _log.Warning(reason, "Lease [{0}] of [{1}] lost", Settings.LeaseName, Settings.OwnerName);
        try
        {
            tenure.OnLost?.Invoke(reason);
        }
        catch (Exception e)
        {
            _log.Error(e, "The lost-callback of lease [{0}] of [{1}] threw", Settings.LeaseName, Settings.OwnerName);
        }
    }

    private LeaseException TakenOver() =>
        new($"Lease [{Settings.LeaseName}] of [{Settings.OwnerName}] lost: a renewal found its row gone or held by another owner");

    private LeaseTimeoutException Expired(Exception? lastFailure)
    {
        var message = $"Lease [{Settings.LeaseName}] of [{Settings.OwnerName}] lost: no renewal succeeded within {_timing.ValidFor} (heartbeat-timeout less safety-margin)";
        return lastFailure is null ? new LeaseTimeoutException(message) : new LeaseTimeoutException(message, lastFailure);
    }

    private async Task EnterAsync(string operation, CancellationToken bound, CancellationToken stop)
    {
        try
        {
            await _gate.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw TimedOut(operation);
        }
    }

    /// <summary>
    /// One statement, bounded by <paramref name="bound"/>; failures as Akka's lease exceptions.
    /// <see cref="Task.WaitAsync(CancellationToken)"/> makes the bound hard: Npgsql's own
    /// cancellation can take longer when the server does not answer.
    /// </summary>
    private async Task<T> RunAsync<T>(string operation, Func<LeaseTable, CancellationToken, Task<T>> statement, CancellationToken bound, CancellationToken stop)
    {
        Task<T>? call = null;
        try
        {
            await _table.EnsureSchemaAsync(_settings.OperationTimeout, bound).ConfigureAwait(false);
            call = statement(_table, bound);
            return await call.WaitAsync(bound).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            Observe(call);
            throw TimedOut(operation);
        }
        catch (OperationCanceledException)
        {
            Observe(call);
            throw;
        }
        catch (NpgsqlException e)
        {
            throw new LeaseException($"The {operation} of lease [{Settings.LeaseName}] for [{Settings.OwnerName}] failed: {e.Message}", e);
        }
    }

    private LeaseTimeoutException TimedOut(string operation) =>
        new($"The {operation} of lease [{Settings.LeaseName}] for [{Settings.OwnerName}] timed out (lease-operation-timeout {_settings.OperationTimeout}); it may or may not have taken effect");

    /// <summary>An abandoned call still finishes; its failure, if any, is of no interest.</summary>
    private static void Observe(Task? call) =>
        call?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);

    /// <summary>
    /// One acquisition of the lease, until it is released or lost: its local deadline, its
    /// lost-callback, and the token that stops its heartbeat. Ends once, which is what makes the
    /// callback fire at most once; extending and expiring are atomic with respect to each other.
    /// </summary>
    private sealed class Tenure(long deadline, Action<Exception>? onLost)
    {
        private readonly Lock _sync = new();
        private readonly CancellationTokenSource _stopping = new();
        private long _deadline = deadline;
        private volatile bool _ended;
        private volatile Action<Exception>? _onLost = onLost;

        public CancellationToken Stopping => _stopping.Token;

        public long Deadline => Volatile.Read(ref _deadline);

        public bool IsEnded => _ended;

        public Action<Exception>? OnLost => _onLost;

        public bool IsValid(long now) => !_ended && !LeaseTiming.HasPassed(now, Deadline);

        /// <summary>Moves the deadline on, unless the tenure is over: ended, or already past its deadline.</summary>
        public bool TryExtend(long deadline, long now, Action<Exception>? onLost)
        {
            lock (_sync)
            {
                if (!IsValid(now)) return false;
                if (deadline > _deadline) Volatile.Write(ref _deadline, deadline);
                if (onLost is not null) _onLost = onLost;
                return true;
            }
        }

        /// <summary>Ends the tenure if it is past its deadline (and was not extended meanwhile).</summary>
        public bool TryExpire(long now) => TryEnd(now);

        /// <summary>Ends the tenure; true for the one caller that did.</summary>
        public bool TryEnd() => TryEnd(null);

        private bool TryEnd(long? ifPastAt)
        {
            lock (_sync)
            {
                if (_ended) return false;
                if (ifPastAt is { } now && !LeaseTiming.HasPassed(now, _deadline)) return false;
                _ended = true;
            }
            _stopping.Cancel();
            return true;
        }
    }

    /// <summary>
    /// The table's statements, on one <see cref="NpgsqlDataSource"/> per actor system and connection
    /// string: a node holds a lease per shard, and they share one connection pool rather than
    /// keeping one each. The data source is disposed when the system terminates.
    /// </summary>
    private sealed class LeaseTable
    {
        private const string CreateTable = """
            CREATE TABLE IF NOT EXISTS actordispatch_leases (
              name text PRIMARY KEY,
              owner text NOT NULL,
              expires_at timestamptz NOT NULL)
            """;

        private const string AcquireRow = """
            INSERT INTO actordispatch_leases (name, owner, expires_at) VALUES ($1, $2, now() + $3)
            ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = now() + $3
              WHERE actordispatch_leases.owner = excluded.owner OR actordispatch_leases.expires_at < now()
            RETURNING owner
            """;

        private const string RenewRow = "UPDATE actordispatch_leases SET expires_at = now() + $3 WHERE name = $1 AND owner = $2";

        private const string DeleteRow = "DELETE FROM actordispatch_leases WHERE name = $1 AND owner = $2";

        private static readonly ConditionalWeakTable<ActorSystem, ConcurrentDictionary<string, Lazy<LeaseTable>>> PerSystem = new();

        private readonly NpgsqlDataSource _dataSource;
        private readonly Lock _sync = new();
        private Task? _schema;

        private LeaseTable(NpgsqlDataSource dataSource) => _dataSource = dataSource;

        public static LeaseTable For(ActorSystem system, string connectionString)
        {
            var tables = PerSystem.GetValue(system, static s =>
            {
                var created = new ConcurrentDictionary<string, Lazy<LeaseTable>>();
                s.RegisterOnTermination(() =>
                {
                    foreach (var table in created.Values.Where(t => t.IsValueCreated))
                        _ = table.Value._dataSource.DisposeAsync().AsTask();
                });
                return created;
            });
            return tables.GetOrAdd(connectionString, static cs => new Lazy<LeaseTable>(() => new LeaseTable(NpgsqlDataSource.Create(cs)))).Value;
        }

        /// <summary>Creates the table on first use; a failed attempt is retried by the next caller.</summary>
        public Task EnsureSchemaAsync(TimeSpan timeout, CancellationToken cancel)
        {
            Task schema;
            lock (_sync)
            {
                if (_schema is null || _schema.IsFaulted || _schema.IsCanceled) _schema = Task.Run(() => CreateSchemaAsync(timeout));
                schema = _schema;
            }
            return schema.IsCompletedSuccessfully ? Task.CompletedTask : schema.WaitAsync(cancel);
        }

        /// <summary>True when the row is now this owner's: new, its own already, or expired by the database's clock.</summary>
        public async Task<bool> TryAcquireAsync(string name, string owner, TimeSpan ttl, CancellationToken cancel)
        {
            await using var command = Command(AcquireRow, name, owner, ttl);
            return await command.ExecuteScalarAsync(cancel).ConfigureAwait(false) is string;
        }

        /// <summary>True when the row was still this owner's and now expires a TTL from the database's now.</summary>
        public async Task<bool> RenewAsync(string name, string owner, TimeSpan ttl, CancellationToken cancel)
        {
            await using var command = Command(RenewRow, name, owner, ttl);
            return await command.ExecuteNonQueryAsync(cancel).ConfigureAwait(false) == 1;
        }

        public async Task<bool> ReleaseAsync(string name, string owner, CancellationToken cancel)
        {
            await using var command = Command(DeleteRow, name, owner, null);
            return await command.ExecuteNonQueryAsync(cancel).ConfigureAwait(false) == 1;
        }

        private async Task CreateSchemaAsync(TimeSpan timeout)
        {
            using var bound = new CancellationTokenSource(timeout);
            await using var command = _dataSource.CreateCommand(CreateTable);
            try
            {
                await command.ExecuteNonQueryAsync(bound.Token).ConfigureAwait(false);
            }
            catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
            {
                // Another node's CREATE TABLE IF NOT EXISTS won the race: the table is there.
            }
        }

        private NpgsqlCommand Command(string sql, string name, string owner, TimeSpan? ttl)
        {
            var command = _dataSource.CreateCommand(sql);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = owner });
            if (ttl is { } t) command.Parameters.Add(new NpgsqlParameter<TimeSpan> { TypedValue = t });
            return command;
        }
    }
}
