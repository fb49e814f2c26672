using ActorDispatch.Model;
using Akka.Actor;
using Akka.Persistence;

namespace ActorDispatch.Log;

/// <summary>
/// Replays one journal entry, the log's last, straight from its journal so that a recovering
/// <see cref="EventLogActor"/> learns its head (the last event's sequence) without replaying the
/// events before it. Works with any journal plugin. Answers its parent once, then stops.
/// </summary>
internal sealed class LogHeadReader : ReceiveActor
{
    /// <summary>The events of the last entry.</summary>
    public sealed record LastEntry(IReadOnlyList<Event> Events);

    public sealed record Failed(Exception Cause);

    public static Props Props(string persistenceId, long entry, string? journalPluginId, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new LogHeadReader(persistenceId, entry, journalPluginId, timeout));

    private IReadOnlyList<Event>? _events;

    public LogHeadReader(string persistenceId, long entry, string? journalPluginId, TimeSpan timeout)
    {
        Receive<ReplayedMessage>(m => _events = LogEntries.EventsOf(m.Persistent.Payload));
        Receive<RecoverySuccess>(_ => Answer(_events is { Count: > 0 }
            ? new LastEntry(_events)
            : new Failed(new InvalidOperationException($"entry {entry} of {persistenceId} is missing from the journal"))));
        Receive<ReplayMessagesFailure>(f => Answer(new Failed(f.Cause)));
        Receive<ReceiveTimeout>(_ => Answer(new Failed(new TimeoutException($"reading entry {entry} of {persistenceId} took longer than {timeout}"))));

        Context.SetReceiveTimeout(timeout);
        Persistence.Instance.Apply(Context.System).JournalFor(journalPluginId)
            .Tell(new ReplayMessages(entry, entry, 1, persistenceId, Self));
    }

    private void Answer(object answer)
    {
        Context.Parent.Tell(answer);
        Context.Stop(Self);
    }
}
