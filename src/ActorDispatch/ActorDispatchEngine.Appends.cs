using ActorDispatch.Log;
using ActorDispatch.Model;

namespace ActorDispatch;

// Appends: validated here, at the edge, then written by the namespace's log.
public sealed partial class ActorDispatchEngine
{
    public async Task<Event> AppendAsync(string @namespace, NewEvent newEvent, CancellationToken cancellationToken = default) =>
        (await AppendAsync(@namespace, [newEvent], cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<Event>> AppendAsync(string @namespace, IReadOnlyList<NewEvent> newEvents, CancellationToken cancellationToken = default)
    {
        EventValidator.ValidateNamespace(@namespace);
        EventValidator.Validate(newEvents, _settings.MaxDataSize, _settings.MaxDataDepth);
        var appended = await _logs.AskEngine<EventLog.Appended>(new EventLog.Append(@namespace, newEvents), _settings.AskTimeout, cancellationToken).ConfigureAwait(false);
        return appended.Events;
    }
}
