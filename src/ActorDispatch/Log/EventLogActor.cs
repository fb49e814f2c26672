using System.Diagnostics;
using ActorDispatch.Configuration;
using ActorDispatch.Diagnostics;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorDispatch.Log;

/// <summary>
/// One namespace's log, with group commit: one journal write is in flight at a time, and the
/// appends that arrive meanwhile go out together in the next write, as journal entries
/// (<see cref="LogEntry"/>, one row each, up to <c>max-entry-events</c> events and
/// <c>max-entry-bytes</c>) committed in one transaction (up to <c>max-write-bytes</c>). Under load
/// the journal writes far fewer rows, and commits far fewer times, than there are events. An idle
/// log writes once it has taken the appends already in its mailbox, so a burst that arrives together
/// is one write rather than a lone append and then the rest; one whose appends come in bursts also
/// waits for the rest of a burst still arriving (<c>gather-quiet</c>, <c>gather-max</c>). Each
/// append lies within one entry, so it is atomic, and it is acknowledged only once durable.
/// Appends with an idempotency key are deduplicated within <c>idempotency-window</c>
/// (<see cref="IdempotencyWindow{TWaiter}"/>); the key is written in its append's entry.
/// Recovery reads the last entry, to learn the head, and the keys of the entries within the window,
/// never the events before them.
/// </summary>
internal sealed class EventLogActor : ReceivePersistentActor, IWithTimers
{
    // Json: the append encoded while it waited behind a write in flight, or null if it did not wait.
    // Key and Hash: its idempotency key, or null.
    private sealed record PendingAppend(Event[] Events, byte[]? Json, IActorRef ReplyTo, string? Key = null, string? Hash = null)
    {
        // What it adds to an entry's JSON, once encoded.
        public long? Bytes => Json?.Length + (Key is null ? 0 : LogEntries.KeyBytes(Key));
    }

    private sealed record WritingEntry(List<PendingAppend> Appends, Event[] Events, IReadOnlyList<LogEntryKey>? Keys);

    // To itself, after the first append of an idle log: write what has been buffered.
    private sealed record FlushBuffered
    {
        public static readonly FlushBuffered Instance = new();
    }

    // To itself, a window after keys were stored: forget the expired ones, also in a log gone idle.
    private sealed record ExpireKeys
    {
        public static readonly ExpireKeys Instance = new();
    }

    // Entries per write, besides max-write-bytes. Akka.Persistence sends everything one command
    // persisted to the journal as one batch (its max-message-batch-size no longer splits it), so a
    // write is always one journal call and one transaction.
    private const int MaxEntriesPerWrite = 100;

    private readonly string _namespace;
    private readonly DispatchSettings _settings;
    private readonly IActorRef _changeEvents;
    private readonly LogPositions _positions;
    private readonly ActorDispatchMetrics _metrics;
    private readonly KeyValuePair<string, object?> _namespaceTag; // built once: counting an entry allocates nothing
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _watchers = [];
    private readonly List<PendingAppend> _buffered = [];   // waiting for the write in flight to finish
    private readonly long _gatherQuiet;                    // Stopwatch ticks; 0 when gathering is off
    private readonly long _gatherMax;
    private readonly IdempotencyWindow<IActorRef>? _keys; // null when the window is 0: keys are ignored
    private Queue<WritingEntry>? _writing;                 // the entries of the write in flight, if any
    private long _assigned;  // the last sequence handed out, durable or not
    private long _durable;   // the last sequence the journal confirmed: what readers may read
    private int _bufferedEvents;
    private int _writingEvents;
    private long _gatherStarted;         // when the first append of an idle log arrived
    private long _lastArrival;           // when the latest append arrived
    private bool _bursty;                // appends have been arriving in bursts: gather them
    private bool _draining;              // stop once idle (see EventLog.Drain)
    private long _writeStarted;          // when the write in flight was handed to the journal

    public EventLogActor(string @namespace, DispatchSettings settings, IActorRef changeEvents, LogPositions positions, ActorDispatchMetrics? metrics = null)
    {
        _namespace = @namespace;
        _settings = settings;
        _changeEvents = changeEvents;
        _positions = positions;
        _metrics = metrics ?? ActorDispatchMetrics.Get(Context.System);
        _namespaceTag = MetricTags.Of(MetricTags.Namespace, @namespace);
        _gatherQuiet = (long)(settings.GatherQuiet.TotalSeconds * Stopwatch.Frequency);
        _gatherMax = (long)(settings.GatherMax.TotalSeconds * Stopwatch.Frequency);
        if (settings.IdempotencyWindow > TimeSpan.Zero) _keys = new IdempotencyWindow<IActorRef>(settings.IdempotencyWindow, settings.IdempotencyMaxKeys);

        Recover<RecoveryCompleted>(_ =>
        {
            if (LastSequenceNr == 0) Ready(0);
            else
            {
                var window = _keys is null ? TimeSpan.Zero : _settings.IdempotencyWindow;
                Context.ActorOf(LogHeadReader.Props(PersistenceId, LastSequenceNr, JournalPluginId, _settings.AskTimeout, window,
                    _settings.IdempotencyRecoverMaxEntries), "head");
                BecomeStacked(ReadingHead);
            }
        });

        Command<EventLog.Append>(HandleAppend);
        Command<FlushBuffered>(_ => HandleFlush());
        Command<ExpireKeys>(_ =>
        {
            _keys!.Expire();
            ScheduleExpiry();
        });
        Command<EventLog.GetHead>(_ => Sender.Tell(new EventLog.Head(_namespace, _durable)));
        Command<EventLog.WatchHead>(w =>
        {
            if (_watchers.Add(w.Watcher)) Context.Watch(w.Watcher);
            w.Watcher.Tell(new EventLog.Head(_namespace, _durable));
        });
        Command<EventLog.UnwatchHead>(w =>
        {
            if (_watchers.Remove(w.Watcher)) Context.Unwatch(w.Watcher);
        });
        Command<Terminated>(t => _watchers.Remove(t.ActorRef));
        Command<ReceiveTimeout>(_ =>
        {
            if (_watchers.Count == 0 && _writing is null && _buffered.Count == 0 && !_draining) Context.Parent.Tell(new EventLogs.Idle(_namespace));
        });
        Command<EventLog.Drain>(_ =>
        {
            if (_writing is null && _buffered.Count == 0) Context.Stop(Self);
            else _draining = true;
        });
    }

    public override string PersistenceId => EventLog.PersistenceId(_namespace);

    public ITimerScheduler Timers { get; set; } = null!;

    // The log's state is its head, which the journal's last entry holds: skip replaying events.
    public override Recovery Recovery => Recovery.None;

    private void ReadingHead()
    {
        Command<LogHeadReader.LastEntry>(last =>
        {
            var events = last.Events;
            _positions.Record(_namespace, events[0].Sequence, LastSequenceNr, events.Count);
            if (_keys is not null && last.Keys.Count > 0)
            {
                var now = DateTimeOffset.UtcNow;
                foreach (var key in last.Keys) _keys.Recover(key.Key, key.Hash, WithoutData(key.Events), now - key.Events[0].Created);
                ScheduleExpiry();
            }
            UnbecomeStacked();
            Ready(events[^1].Sequence);
        });
        // As a failed recovery: the registry fails what waited and starts a new log on the next command.
        Command<LogHeadReader.Failed>(f =>
        {
            _log.Error(f.Cause, "Reading the head of the log of namespace {0} failed", _namespace);
            Context.Parent.Tell(new EventLogs.Failed(_namespace, f.Cause));
            Context.Stop(Self);
        });
        CommandAny(_ => Stash.Stash());
    }

    private void Ready(long head)
    {
        if (_settings.LogIdleTimeout > TimeSpan.Zero) Context.SetReceiveTimeout(_settings.LogIdleTimeout);
        _assigned = _durable = head;
        _metrics.Heads.Seen(_namespace, head);
        Context.Parent.Tell(new EventLogs.Recovered(_namespace));
        Stash.UnstashAll();
    }

    private void HandleAppend(EventLog.Append append)
    {
        string? key = null, hash = null;
        if (_keys is not null && append.IdempotencyKey is { } idempotencyKey)
        {
            hash = append.Hash ?? IdempotencyWindow.Hash(append.Events);
            switch (_keys.Check(idempotencyKey, hash, Sender, out var stored))
            {
                case IdempotencyWindow.Verdict.Replay:
                    Sender.Tell(new EventLog.Appended(stored!, Replayed: true));
                    return;
                case IdempotencyWindow.Verdict.Wait:
                    return; // answered with the outcome of the write in flight (see Written, FailPending)
                case IdempotencyWindow.Verdict.Conflict:
                    Sender.Tell(new Status.Failure(Errors.IdempotencyKeyReused(_namespace, idempotencyKey)));
                    return;
            }
            key = idempotencyKey;
        }

        var pendingEvents = _bufferedEvents + _writingEvents;
        if (pendingEvents > 0 && pendingEvents + append.Events.Count > _settings.MaxPendingEvents)
        {
            Stash.Stash(); // released as writes complete, keeping what waits in memory bounded
            return;
        }

        var now = DateTimeOffset.UtcNow;
        now = now.AddTicks(-(now.Ticks % 10)); // microseconds: what the wire format and the store keep
        var events = new Event[append.Events.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var e = append.Events[i];
            var sequence = ++_assigned;
            events[i] = new Event
            {
                Id = EventIds.Create(sequence),
                Sequence = sequence,
                Type = e.Type,
                Namespace = _namespace,
                Topic = e.Topic,
                Tag = e.Tag,
                Author = e.Author,
                Reference = e.Reference,
                Correlator = e.Correlator,
                Tx = e.Tx,
                Created = now,
                TraceParent = append.TraceParent,
                TraceState = append.TraceState,
                Data = e.Data,
            };
        }

        // Encoded now if it will share a write: behind the write in flight, which then hides the
        // work, or behind an append waiting for the flush. The first append of an idle log is
        // encoded only if another joins it, and not at all if it is written alone.
        var idle = _writing is null && _buffered.Count == 0;
        if (key is not null) _keys!.Begin(key, hash!);
        _buffered.Add(new PendingAppend(events, idle ? null : LogEntries.Encode(events), Sender, key, hash));
        _bufferedEvents += events.Length;
        var arrived = Stopwatch.GetTimestamp();
        // Close behind the last append, yet a write is in flight: a burst went out in two writes.
        if (_writing is not null && arrived - _lastArrival < _gatherQuiet) _bursty = true;
        _lastArrival = arrived;
        if (idle)
        {
            _gatherStarted = arrived;
            // Not written at once: the appends already in the mailbox (a burst that arrived
            // together) are taken first and join the same write, instead of waiting for the next.
            Self.Tell(FlushBuffered.Instance);
        }
    }

    // An idle log's first append is in the buffer, and whatever arrived with it is behind it. A
    // bursty log goes on gathering while appends keep coming: each flush it sends itself lets the
    // appends already behind it in the mailbox in first. Microseconds are too fine for the scheduler.
    private void HandleFlush()
    {
        if (_writing is not null || _buffered.Count == 0) return;
        if (_bursty)
        {
            var now = Stopwatch.GetTimestamp();
            if (now - _lastArrival < _gatherQuiet && now - _gatherStarted < _gatherMax)
            {
                Self.Tell(FlushBuffered.Instance);
                return;
            }
            if (_buffered.Count == 1) _bursty = false; // a lone append: write the next one at once
        }
        if (_buffered.Count > 1 && _buffered[0].Json is null) _buffered[0] = _buffered[0] with { Json = LogEntries.Encode(_buffered[0].Events) };
        WriteNext();
    }

    // Moves whole appends from the buffer into entries (see NextEntry) and persists them as one
    // journal write: Akka.Persistence hands the entries persisted by one command to the journal as
    // one batch, which Akka.Persistence.Sql inserts in one transaction, so the write costs one commit
    // however many entries it carries, and succeeds or fails as a whole.
    private void WriteNext()
    {
        var entries = new Queue<WritingEntry>();
        long? bytes = 0; // null once an entry not encoded ahead is in: it is written alone
        while (_buffered.Count > 0 && entries.Count < MaxEntriesPerWrite)
        {
            var (take, count, entryBytes) = NextEntry();
            if (entries.Count > 0 && !(bytes + entryBytes <= _settings.MaxWriteBytes)) break;
            var appends = _buffered.GetRange(0, take);
            _buffered.RemoveRange(0, take);
            _bufferedEvents -= count;
            _writingEvents += count;
            bytes += entryBytes;
            entries.Enqueue(new WritingEntry(appends, EventsOf(appends, count), KeysOf(appends)));
        }
        _writing = entries;

        // An entry written alone may be one bare event (when it has no key), encoded by the serializer
        // as it is written; in a write of several every entry is already encoded, since the journal
        // skips an entry it cannot serialize and writes the rest, which would leave a gap in the sequences.
        var payloads = entries.Count == 1
            ? [LogEntries.ToPayload(entries.Peek().Events, () => entries.Peek().Appends.ConvertAll(a => a.Json ?? LogEntries.Encode(a.Events)), entries.Peek().Keys)]
            : entries.Select(e => (object)LogEntries.ToEntry(e.Events, e.Appends.ConvertAll(a => a.Json!), e.Keys)).ToList();
        _writeStarted = Stopwatch.GetTimestamp();
        PersistAllAsync(payloads, _ => Written());
    }

    // How many appends from the head of the buffer form the next entry: at most max-entry-events
    // events and max-entry-bytes of JSON, or one append larger than that. Bytes are null for an
    // append written as it came (not encoded ahead): nothing joins it then.
    private (int Take, int Count, long? Bytes) NextEntry()
    {
        var take = 0;
        var count = 0;
        long? bytes = 0;
        while (take < _buffered.Count)
        {
            var next = _buffered[take];
            var fits = count + next.Events.Length <= _settings.MaxEntryEvents && bytes + next.Bytes <= _settings.MaxEntryBytes;
            if (take > 0 && !fits) break;
            count += next.Events.Length;
            bytes += next.Bytes;
            take++;
        }
        return (take, count, bytes);
    }

    private static Event[] EventsOf(List<PendingAppend> appends, int count)
    {
        var events = new Event[count];
        var at = 0;
        foreach (var append in appends)
        {
            append.Events.CopyTo(events, at);
            at += append.Events.Length;
        }
        return events;
    }

    // The keys of an entry's appends, or null (and nothing allocated) when none has one.
    private static List<LogEntryKey>? KeysOf(List<PendingAppend> appends)
    {
        List<LogEntryKey>? keys = null;
        foreach (var append in appends)
        {
            if (append.Key is { } key) (keys ??= []).Add(new LogEntryKey(key, append.Hash!, append.Events[0].Sequence, append.Events.Length));
        }
        return keys;
    }

    // The journal confirms a write's entries one by one in order, once the whole write is durable.
    private void Written()
    {
        var entry = _writing!.Dequeue();
        _writingEvents -= entry.Events.Length;
        _durable = entry.Events[^1].Sequence;
        _positions.Record(_namespace, entry.Events[0].Sequence, LastSequenceNr, entry.Events.Length);
        _metrics.EventsAppended.Add(entry.Events.Length, _namespaceTag);
        _metrics.Heads.Seen(_namespace, _durable);
        foreach (var append in entry.Appends)
        {
            append.ReplyTo.Tell(new EventLog.Appended(append.Events));
            if (append.Key is not null) KeyStored(append);
        }
        var appended = new EventLog.EventsAppended(_namespace, entry.Events);
        foreach (var watcher in _watchers) watcher.Tell(appended);
        _changeEvents.Tell(appended);
        if (_writing.Count > 0) return;

        _metrics.JournalWrite.Record(Stopwatch.GetElapsedTime(_writeStarted).TotalSeconds, _namespaceTag);
        _writing = null;
        if (_buffered.Count > 0) WriteNext();
        Stash.UnstashAll();
        // Behind the appends just released, which are written before the log stops.
        if (_draining && _writing is null) Self.Tell(EventLog.Drain.Instance);
    }

    // A keyed append is durable: the retries that waited for it get its events, and later ones too.
    private void KeyStored(PendingAppend append)
    {
        var waiters = _keys!.Complete(append.Key!, WithoutData(append.Events));
        if (waiters.Count > 0)
        {
            var replayed = new EventLog.Appended(append.Events, Replayed: true);
            foreach (var waiter in waiters) waiter.Tell(replayed);
        }
        ScheduleExpiry();
    }

    // What the window keeps of a keyed append: its events without their payloads, which may be up to
    // max-data-size each. A retry carries the same events (their hashes match), and the engine puts
    // the retry's payloads back into the answer, so memory per key stays small.
    private static Event[] WithoutData(IReadOnlyList<Event> events)
    {
        var stripped = new Event[events.Count];
        for (var i = 0; i < stripped.Length; i++) stripped[i] = events[i].Data is null ? events[i] : events[i] with { Data = null };
        return stripped;
    }

    private const string ExpiryTimer = "expire-keys";

    private void ScheduleExpiry()
    {
        if (_keys!.Count > 0 && !Timers.IsTimerActive(ExpiryTimer)) Timers.StartSingleTimer(ExpiryTimer, ExpireKeys.Instance, _settings.IdempotencyWindow);
    }

    // The store cannot be read (e.g. it is down): the registry fails what waited and starts a new
    // log on the next command.
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _log.Error(reason, "Recovering the log of namespace {0} failed", _namespace);
        Context.Parent.Tell(new EventLogs.Failed(_namespace, reason));
    }

    // A failed write stops the actor (Akka.Persistence's rule). Every append not yet confirmed is
    // failed to its caller; nothing of it is stored, since each entry is one atomic write. The
    // next append recreates the log, which recovers its head from the journal.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Journal write failed in namespace {0} at entry {1}; failing {2} pending append(s)", _namespace, sequenceNr,
            (_writing?.Sum(e => e.Appends.Count) ?? 0) + _buffered.Count);
        FailPending(cause);
    }

    // A rejected write (e.g. serialization) used an entry number the journal does not hold; stop
    // so that recovery re-reads the head and sequences stay dense.
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Journal rejected an entry in namespace {0} at entry {1}", _namespace, sequenceNr);
        FailPending(cause);
        Context.Stop(Self);
    }

    // Fails every append this incarnation holds (written-but-unconfirmed, buffered and held back),
    // and tells the registry to route new commands to a fresh incarnation at once. The registry
    // hears it first: a caller that retries on the failure must reach the fresh incarnation, not
    // this one, which is stopping.
    private void FailPending(Exception cause)
    {
        Context.Parent.Tell(new EventLogs.Failed(_namespace, cause));
        var failure = new Status.Failure(Errors.AppendFailed(_namespace, cause));
        foreach (var p in (_writing?.SelectMany(e => e.Appends) ?? []).Concat(_buffered))
        {
            p.ReplyTo.Tell(failure);
            // Retries that waited for it fail alike: nothing of the append is stored, so they may retry again.
            if (p.Key is not null) foreach (var waiter in _keys!.Fail(p.Key)) waiter.Tell(failure);
        }
        foreach (var held in Stash.ClearStash()) held.Sender.Tell(failure); // only appends are ever held back
        _writing = null;
        _buffered.Clear();
        _writingEvents = _bufferedEvents = 0;
    }
}
