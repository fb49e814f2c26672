using ActorDispatch.Configuration;
using Akka.Actor;

namespace ActorDispatch.Log;

/// <summary>
/// Routes <see cref="EventLog.ICommand"/>s to the namespace's log, starting it on first use and
/// again after it stopped (e.g. after a journal failure). Its path is stable, so readers address it
/// rather than a log incarnation.
/// </summary>
internal sealed class EventLogs : ReceiveActor
{
    /// <summary>From a log whose journal write failed: it is stopping, route to a new incarnation.</summary>
    public sealed record Failed(string Namespace);

    private readonly Dictionary<string, IActorRef> _logs = new(StringComparer.Ordinal);
    private long _incarnation;

    public EventLogs(DispatchSettings settings, IActorRef changeEvents)
    {
        Receive<EventLog.ICommand>(cmd =>
        {
            if (!_logs.TryGetValue(cmd.Namespace, out var log))
            {
                log = Context.ActorOf(EventLog.Props(cmd.Namespace, settings, changeEvents), $"log-{cmd.Namespace}-{++_incarnation}");
                Context.Watch(log);
                _logs[cmd.Namespace] = log;
            }
            log.Forward(cmd);
        });
        Receive<Failed>(f =>
        {
            if (_logs.TryGetValue(f.Namespace, out var log) && log.Equals(Sender)) _logs.Remove(f.Namespace);
        });
        Receive<Terminated>(t =>
        {
            var entry = _logs.FirstOrDefault(kv => kv.Value.Equals(t.ActorRef));
            if (entry.Key is not null) _logs.Remove(entry.Key);
        });
    }

    public static Props Props(DispatchSettings settings, IActorRef changeEvents) =>
        Akka.Actor.Props.Create(() => new EventLogs(settings, changeEvents));

    // A log that fails is stopped and recreated on demand rather than restarted in place, so
    // that it always recovers its head from the journal.
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(_ => Directive.Stop);
}
