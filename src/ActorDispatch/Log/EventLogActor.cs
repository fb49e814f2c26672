using ActorDispatch.Configuration;
using ActorDispatch.ChangeEvents;
using ActorDispatch.Model;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;

namespace ActorDispatch.Log;

/// <summary>
/// One namespace's log. Appends are pipelined with <c>PersistAllAsync</c>: while a journal write is
/// in flight the next appends queue up and go out as one batch (group commit), bounded by
/// <c>max-pending-events</c>. Each append is one atomic write, acknowledged only once durable.
/// Recovery reads only the highest sequence number, never the events.
/// </summary>
internal sealed class EventLogActor : ReceivePersistentActor
{
    private sealed record PendingAppend(long LastSequence, Event[] Events, IActorRef ReplyTo);

    private readonly string _namespace;
    private readonly DispatchSettings _settings;
    private readonly IActorRef _changeEvents;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashSet<IActorRef> _watchers = [];
    private readonly Queue<PendingAppend> _pending = new();
    private long _assigned;  // the last sequence handed out, durable or not
    private long _durable;   // the last sequence the journal confirmed: what readers may read
    private int _pendingEvents;

    public EventLogActor(string @namespace, DispatchSettings settings, IActorRef changeEvents)
    {
        _namespace = @namespace;
        _settings = settings;
        _changeEvents = changeEvents;

        Recover<RecoveryCompleted>(_ =>
        {
            _assigned = _durable = LastSequenceNr;
            Context.Parent.Tell(new EventLogs.Recovered(_namespace));
        });

        Command<EventLog.Append>(HandleAppend);
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
    }

    public override string PersistenceId => EventLog.PersistenceId(_namespace);

    // The log's state is its head, which the journal knows: skip replaying events.
    public override Recovery Recovery => Recovery.None;

    private void HandleAppend(EventLog.Append append)
    {
        if (_pendingEvents > 0 && _pendingEvents + append.Events.Count > _settings.MaxPendingEvents)
        {
            Stash.Stash(); // released as writes complete, keeping each journal batch bounded
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
                Data = e.Data,
            };
        }

        var pending = new PendingAppend(_assigned, events, Sender);
        _pending.Enqueue(pending);
        _pendingEvents += events.Length;
        PersistAllAsync(events, e =>
        {
            if (e.Sequence == pending.LastSequence) Completed(pending);
        });
    }

    private void Completed(PendingAppend done)
    {
        _pending.Dequeue();
        _pendingEvents -= done.Events.Length;
        _durable = done.LastSequence;
        done.ReplyTo.Tell(new EventLog.Appended(done.Events));
        var appended = new EventLog.EventsAppended(_namespace, done.Events);
        foreach (var watcher in _watchers) watcher.Tell(appended);
        _changeEvents.Tell(appended);
        Stash.UnstashAll();
    }

    // The store cannot be read (e.g. it is down): the registry fails what waited and starts a new
    // log on the next command.
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _log.Error(reason, "Recovering the log of namespace {0} failed", _namespace);
        Context.Parent.Tell(new EventLogs.Failed(_namespace, reason));
    }

    // A failed write stops the actor (Akka.Persistence's rule). Every append not yet confirmed is
    // failed to its caller; nothing of it is stored, since each append is one atomic write. The
    // next append recreates the log, which recovers its head from the journal.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Journal write failed in namespace {0} at sequence {1}; failing {2} pending append(s)", _namespace, sequenceNr, _pending.Count);
        FailPending(cause);
    }

    // A rejected write (e.g. serialization) used a sequence number the journal does not hold; stop
    // so that recovery re-reads the head and sequences stay dense.
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _log.Error(cause, "Journal rejected an event in namespace {0} at sequence {1}", _namespace, sequenceNr);
        FailPending(cause);
        Context.Stop(Self);
    }

    // Fails every append this incarnation holds (written-but-unconfirmed and held back), and tells
    // the registry to route new commands to a fresh incarnation at once.
    private void FailPending(Exception cause)
    {
        var failure = new Status.Failure(Errors.AppendFailed(_namespace, cause));
        while (_pending.TryDequeue(out var p)) p.ReplyTo.Tell(failure);
        foreach (var held in Stash.ClearStash()) held.Sender.Tell(failure); // only appends are ever held back
        _pendingEvents = 0;
        Context.Parent.Tell(new EventLogs.Failed(_namespace, cause));
    }
}
