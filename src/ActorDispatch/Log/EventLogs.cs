using ActorDispatch.Configuration;
using ActorDispatch.Diagnostics;
using Akka.Actor;

namespace ActorDispatch.Log;

/// <summary>
/// Routes <see cref="EventLog.ICommand"/>s to the namespace's log, starting it on first use and
/// again after it stopped (a journal failure stops a persistent actor). Commands wait here while a
/// log recovers, so that a log that cannot recover (the store is down) fails them at once with a
/// clear error instead of losing them. Its path is stable: readers address it, not an incarnation.
/// </summary>
internal sealed class EventLogs : ReceiveActor
{
    /// <summary>From a log that has recovered: send it what waited.</summary>
    public sealed record Recovered(string Namespace);

    /// <summary>From a log that failed to recover or to write: it is stopping; route to a new incarnation.</summary>
    public sealed record Failed(string Namespace, Exception Cause);

    /// <summary>
    /// From a log idle for <c>log.idle-timeout</c>: route nothing more to it, and drain it, so that
    /// whatever was routed to it before is still answered; the next command starts a new incarnation.
    /// </summary>
    public sealed record Idle(string Namespace);

    private sealed class Incarnation(IActorRef log)
    {
        public IActorRef Log { get; } = log;
        public List<(EventLog.ICommand Command, IActorRef Sender)>? Waiting { get; set; } = [];
    }

    // Bounds what waits for one recovering log; beyond it, commands are refused at once.
    private const int MaxWaiting = 10_000;

    private readonly Dictionary<string, Incarnation> _logs = new(StringComparer.Ordinal);
    private long _incarnation;
    private bool _draining;

    public EventLogs(DispatchSettings settings, IActorRef changeEvents, LogPositions positions, ActorDispatchMetrics? metrics = null)
    {
        Receive<EventLog.ICommand>(cmd =>
        {
            if (!_logs.TryGetValue(cmd.Namespace, out var log))
            {
                if (_draining)
                {
                    Refuse(cmd, Sender, new InvalidOperationException("the log is moving to another node; retry"));
                    return;
                }
                var actor = Context.ActorOf(EventLog.Props(cmd.Namespace, settings, changeEvents, positions, metrics), $"log-{cmd.Namespace}-{++_incarnation}");
                _logs[cmd.Namespace] = log = new Incarnation(Context.Watch(actor));
            }
            if (log.Waiting is null) log.Log.Forward(cmd);
            else if (log.Waiting.Count < MaxWaiting) log.Waiting.Add((cmd, Sender));
            else Refuse(cmd, Sender, new InvalidOperationException($"more than {MaxWaiting} requests wait for the log to recover"));
        });
        Receive<Recovered>(r =>
        {
            if (!_logs.TryGetValue(r.Namespace, out var log) || !log.Log.Equals(Sender) || log.Waiting is null) return;
            foreach (var (command, sender) in log.Waiting) log.Log.Tell(command, sender);
            log.Waiting = null;
            if (_draining) log.Log.Tell(EventLog.Drain.Instance); // behind what waited
        });
        Receive<Idle>(i =>
        {
            if (!_logs.TryGetValue(i.Namespace, out var log) || !log.Log.Equals(Sender) || log.Waiting is not null) return;
            _logs.Remove(i.Namespace);
            Sender.Tell(EventLog.Drain.Instance);
        });
        Receive<Failed>(f =>
        {
            if (_logs.TryGetValue(f.Namespace, out var log) && log.Log.Equals(Sender)) Forget(f.Namespace, log, f.Cause);
        });
        Receive<Terminated>(t =>
        {
            var entry = _logs.FirstOrDefault(kv => kv.Value.Log.Equals(t.ActorRef));
            if (entry.Key is not null) Forget(entry.Key, entry.Value, new InvalidOperationException("the log stopped"));
            if (_draining && _logs.Count == 0) Context.Stop(Self);
        });
        // In a cluster this is the entity of one namespace, and a handoff drains it: its log stops
        // once what it took is written and answered, then this stops.
        Receive<EventLog.Drain>(_ =>
        {
            _draining = true;
            if (_logs.Count == 0) Context.Stop(Self);
            foreach (var log in _logs.Values.Where(l => l.Waiting is null)) log.Log.Tell(EventLog.Drain.Instance);
        });
    }

    // metrics: the engine's instruments; null: the system's (ActorDispatchMetrics.Get).
    public static Props Props(DispatchSettings settings, IActorRef changeEvents, LogPositions positions, ActorDispatchMetrics? metrics = null) =>
        Akka.Actor.Props.Create(() => new EventLogs(settings, changeEvents, positions, metrics));

    // A log that fails is stopped and recreated on demand rather than restarted in place, so
    // that it always recovers its head from the journal.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);

    private void Forget(string ns, Incarnation log, Exception cause)
    {
        _logs.Remove(ns);
        foreach (var (command, sender) in log.Waiting ?? []) Refuse(command, sender, cause);
        log.Waiting = null;
    }

    // Readers (head watchers) poll again by themselves; callers waiting for an answer get an error.
    private static void Refuse(EventLog.ICommand command, IActorRef sender, Exception cause)
    {
        switch (command)
        {
            case EventLog.Append append:
                sender.Tell(new Status.Failure(Errors.AppendFailed(append.Namespace, cause)));
                break;
            case EventLog.GetHead head:
                sender.Tell(new Status.Failure(Errors.ReadFailed(head.Namespace, cause)));
                break;
        }
    }
}
