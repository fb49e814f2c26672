using ActorDispatch.Configuration;
using Akka.Actor;
using Akka.Event;
using Microsoft.Data.Sqlite;

namespace ActorDispatch.Log;

/// <summary>
/// Checkpoints a SQLite journal's write-ahead log from the side, every
/// <see cref="WalCheckpointSettings.Interval"/>, so that the WAL stays below SQLite's auto-checkpoint
/// threshold and no append's commit has to copy the WAL into the database and sync it before it
/// returns. That copy inside a commit was the p99 of live delivery: a stall of several milliseconds
/// a few times a second at 5,000 events/s. A PASSIVE checkpoint waits for no reader or writer; it
/// copies what no reader still needs while appends go on, and runs off the actor's thread.
/// </summary>
internal sealed class WalCheckpointer : ReceiveActor, IWithTimers
{
    /// <summary>The result row of <c>PRAGMA wal_checkpoint</c>: frames in the WAL and frames now in the database.</summary>
    public sealed record Checkpointed(bool Busy, int WalFrames, int CopiedFrames);

    private sealed record Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Failed(Exception Cause);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TimeSpan _interval;
    private bool _running;
    private bool _failing;

    public WalCheckpointer(WalCheckpointSettings settings)
    {
        _interval = settings.Interval;
        Receive<Tick>(_ =>
        {
            if (_running) return; // one checkpoint at a time: SQLite runs only one anyway
            _running = true;
            Task.Run(() => Checkpoint(settings.ConnectionString))
                .PipeTo(Self, success: c => c, failure: e => new Failed(e));
        });
        Receive<Checkpointed>(_ =>
        {
            _running = false;
            if (_failing) _log.Info("WAL checkpoints succeed again");
            _failing = false;
        });
        // Not fatal: SQLite still checkpoints by itself. Said once per run of failures, not per tick.
        Receive<Failed>(f =>
        {
            _running = false;
            if (!_failing) _log.Warning(f.Cause, "A WAL checkpoint failed; SQLite's own checkpoints take over until one succeeds");
            _failing = true;
        });
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(WalCheckpointSettings settings) => Akka.Actor.Props.Create(() => new WalCheckpointer(settings));

    protected override void PreStart() => Timers.StartPeriodicTimer(nameof(Tick), Tick.Instance, _interval);

    private static Checkpointed Checkpoint(string connectionString)
    {
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        using var reader = command.ExecuteReader();
        reader.Read();
        return new Checkpointed(reader.GetInt32(0) != 0, reader.GetInt32(1), reader.GetInt32(2));
    }
}
