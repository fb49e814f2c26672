namespace ActorDispatch.Dispatch;

/// <summary>
/// A dispatcher's read and delivery counters. Written by its stream stage and its actor, read for
/// status: hence thread-safe. Counters only, never state that decides anything.
/// </summary>
internal sealed class DispatchCounters
{
    private long _pagesRead, _eventsRead, _head, _delivered, _redelivered;

    public long PagesRead => Interlocked.Read(ref _pagesRead);
    public long EventsRead => Interlocked.Read(ref _eventsRead);
    public long Head => Interlocked.Read(ref _head);
    public long Delivered => Interlocked.Read(ref _delivered);
    public long Redelivered => Interlocked.Read(ref _redelivered);

    public void PageRead(int events)
    {
        Interlocked.Increment(ref _pagesRead);
        Interlocked.Add(ref _eventsRead, events);
    }

    public void HeadSeen(long head)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _head)) < head && Interlocked.CompareExchange(ref _head, head, seen) != seen)
        {
        }
    }

    public void Delivery(int events, bool redelivery)
    {
        Interlocked.Add(ref _delivered, events);
        if (redelivery) Interlocked.Add(ref _redelivered, events);
    }
}
