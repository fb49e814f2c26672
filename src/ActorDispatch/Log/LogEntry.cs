using ActorDispatch.Model;
using ActorDispatch.Serialization;

namespace ActorDispatch.Log;

/// <summary>
/// One journal entry of a namespace's log holding several consecutive events (group commit): the
/// journal writes one row per entry, not per event, which is what lets appends outrun the journal's
/// row rate. An entry of a single event is stored as the bare <see cref="Event"/> instead, as logs
/// written before group commit are; readers accept both (<see cref="LogEntries"/>).
/// </summary>
internal sealed record LogEntry(IReadOnlyList<Event> Events) : IPersistedMessage;

/// <summary>Reads the events out of a journal payload, whichever of the two shapes it has.</summary>
internal static class LogEntries
{
    public static object ToPayload(IReadOnlyList<Event> events) => events.Count == 1 ? events[0] : new LogEntry(events);

    public static IReadOnlyList<Event> EventsOf(object payload) => payload switch
    {
        LogEntry entry => entry.Events,
        Event single => [single],
        _ => throw new InvalidOperationException($"The event log holds an entry of unexpected type {payload.GetType()}"),
    };
}
