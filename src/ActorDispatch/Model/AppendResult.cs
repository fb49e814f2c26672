namespace ActorDispatch.Model;

/// <summary>
/// The answer to an append with an idempotency key: the events as stored, and whether they were
/// stored by an earlier append with the same key (a retry, answered without appending again).
/// </summary>
/// <param name="Events">The stored events, in order: the same ids and sequences on every retry.</param>
/// <param name="Replayed">True when this call appended nothing and answered an earlier append's events.</param>
public sealed record AppendResult(IReadOnlyList<Event> Events, bool Replayed);
