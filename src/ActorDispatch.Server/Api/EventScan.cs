using ActorDispatch.Model;

namespace ActorDispatch.Server.Api;

/// <summary>
/// Lists events by scanning the log a page at a time in either direction, keeping those a predicate
/// accepts, until enough are found or the range ends. The log is indexed by sequence only, so
/// filters on other fields cost a scan; <see cref="MaxScanned"/> bounds the work of one request, and
/// a byte budget the size of its answer (at least one event is always returned): a
/// list cut short for size says so in the <see cref="TruncatedHeader"/> header, and the client asks
/// again from where it ends.
/// </summary>
internal static class EventScan
{
    public const int PageSize = 1000;
    public const int MaxScanned = 200_000;
    public const string TruncatedHeader = "X-ActorDispatch-Truncated";

    // What an event's fields other than its data take, at most, in the answer's JSON.
    private const int FieldsBytes = 1024;

    public static async Task<IReadOnlyList<Event>> RunAsync(IActorDispatch dispatch, string ns, long from, long to, bool descending,
        int skip, int limit, Func<Event, bool> keep, long maxBytes, HttpResponse response, CancellationToken cancellationToken)
    {
        var bytes = 0L;
        var head = await dispatch.GetHeadAsync(ns, cancellationToken);
        to = Math.Min(to, head);
        var found = new List<Event>(Math.Min(limit, PageSize));
        var toSkip = skip;
        var scanned = 0;
        var cursor = descending ? to : from;
        while (found.Count < limit && scanned < MaxScanned && (descending ? cursor >= from : cursor <= to))
        {
            var start = descending ? Math.Max(from, cursor - PageSize + 1) : cursor;
            var count = (int)Math.Min(PageSize, (descending ? cursor : to) - start + 1);
            var page = await dispatch.ReadEventsAsync(ns, start, count, cancellationToken);
            if (page.Count == 0) break;
            scanned += page.Count;
            foreach (var e in descending ? page.Reverse() : page)
            {
                if (!keep(e)) continue;
                if (toSkip > 0)
                {
                    toSkip--;
                    continue;
                }
                if (found.Count >= limit) break;
                bytes += FieldsBytes + (e.Data is { } data ? System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(data).Length : 0);
                if (bytes > maxBytes && found.Count > 0)
                {
                    response.Headers[TruncatedHeader] = "true";
                    return found;
                }
                found.Add(e);
            }
            cursor = descending ? start - 1 : page[^1].Sequence + 1;
        }
        return found;
    }
}
