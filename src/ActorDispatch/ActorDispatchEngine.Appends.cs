using ActorDispatch.Log;
using ActorDispatch.Model;

namespace ActorDispatch;

// Appends: validated here, at the edge, then written by the namespace's log.
public sealed partial class ActorDispatchEngine
{
    private const int MaxIdempotencyKeyLength = 255;

    public async Task<Event> AppendAsync(string @namespace, NewEvent newEvent, CancellationToken cancellationToken = default) =>
        (await AppendAsync(@namespace, [newEvent], cancellationToken).ConfigureAwait(false))[0];

    public async Task<IReadOnlyList<Event>> AppendAsync(string @namespace, IReadOnlyList<NewEvent> newEvents, CancellationToken cancellationToken = default) =>
        (await AppendToLogAsync(@namespace, newEvents, null, cancellationToken).ConfigureAwait(false)).Events;

    public async Task<AppendResult> AppendAsync(string @namespace, IReadOnlyList<NewEvent> newEvents, string? idempotencyKey, CancellationToken cancellationToken = default)
    {
        var appended = await AppendToLogAsync(@namespace, newEvents, idempotencyKey, cancellationToken).ConfigureAwait(false);
        if (!appended.Replayed) return new AppendResult(appended.Events, Replayed: false);
        // The log keeps a replayed append's events without payloads: the retry's are the same (same hash).
        var events = new Event[appended.Events.Count];
        for (var i = 0; i < events.Length; i++) events[i] = appended.Events[i] with { Data = newEvents[i].Data };
        return new AppendResult(events, Replayed: true);
    }

    // Shared by the overloads, so that an append without a key costs what it did before keys existed.
    private Task<EventLog.Appended> AppendToLogAsync(string @namespace, IReadOnlyList<NewEvent> newEvents, string? idempotencyKey, CancellationToken cancellationToken)
    {
        EventValidator.ValidateNamespace(@namespace);
        EventValidator.Validate(newEvents, _settings.MaxDataSize, _settings.MaxDataDepth);
        EventLog.Append append;
        if (idempotencyKey is null) append = new EventLog.Append(@namespace, newEvents);
        else
        {
            ValidateIdempotencyKey(idempotencyKey);
            // Hashed here, on the caller's thread, rather than on the log's one thread; not at all when keys are off.
            append = new EventLog.Append(@namespace, newEvents, idempotencyKey)
            {
                Hash = _settings.IdempotencyWindow > TimeSpan.Zero ? IdempotencyWindow.Hash(newEvents) : null,
            };
        }
        return _logs.AskEngine<EventLog.Appended>(append, _settings.AskTimeout, cancellationToken);
    }

    // As HTTP header values can carry it: no spaces or control characters, and short enough to keep
    // in memory and in every journal entry of a keyed append.
    private static void ValidateIdempotencyKey(string key)
    {
        if (key.Length is 0 or > MaxIdempotencyKeyLength || key.AsSpan().ContainsAnyExceptInRange('\x21', '\x7E'))
            throw Errors.InvalidField("Idempotency-Key", $"must be 1-{MaxIdempotencyKeyLength} printable ASCII characters (0x21-0x7E), without spaces");
    }
}
