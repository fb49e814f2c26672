using System.Diagnostics;
using ActorDispatch.Diagnostics;
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
        var append = ToAppend(@namespace, newEvents, idempotencyKey);
        // The append's span when someone records spans, else the caller's trace (an HTTP request's): the events keep it.
        var span = ActorDispatchTracing.Source.StartActivity(AppendSpanName, ActivityKind.Producer);
        if ((span ?? Activity.Current) is { IdFormat: ActivityIdFormat.W3C } trace)
        {
            append = append with
            {
                TraceParent = trace.Id,
                TraceState = trace.TraceStateString is { Length: <= ActorDispatchTracing.MaxTraceStateLength } state ? state : null,
            };
        }
        var written = _logs.AskEngine<EventLog.Appended>(append, _settings.AskTimeout, cancellationToken);
        return span is null ? written : EndWhenWritten(span, @namespace, newEvents.Count, written);
    }

    private const string AppendSpanName = "append";

    private static async Task<EventLog.Appended> EndWhenWritten(Activity span, string @namespace, int count, Task<EventLog.Appended> written)
    {
        using (span)
        {
            span.SetTag("messaging.system", "actordispatch");
            span.SetTag("messaging.operation.type", "send");
            span.SetTag("messaging.destination.name", @namespace);
            span.SetTag("messaging.batch.message_count", count);
            try
            {
                var appended = await written.ConfigureAwait(false);
                if (appended.Events.Count > 0) span.SetTag("actordispatch.sequence.first", appended.Events[0].Sequence);
                if (appended.Replayed) span.SetTag("actordispatch.idempotent_replay", true);
                return appended;
            }
            catch (Exception ex)
            {
                span.SetStatus(ActivityStatusCode.Error, ex.Message);
                throw;
            }
        }
    }

    private EventLog.Append ToAppend(string @namespace, IReadOnlyList<NewEvent> newEvents, string? idempotencyKey)
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
        return append;
    }

    // As HTTP header values can carry it: no spaces or control characters, and short enough to keep
    // in memory and in every journal entry of a keyed append.
    private static void ValidateIdempotencyKey(string key)
    {
        if (key.Length is 0 or > MaxIdempotencyKeyLength || key.AsSpan().ContainsAnyExceptInRange('\x21', '\x7E'))
            throw Errors.InvalidField("Idempotency-Key", $"must be 1-{MaxIdempotencyKeyLength} printable ASCII characters (0x21-0x7E), without spaces");
    }
}
