using System.Runtime.Serialization;

namespace ActorDispatch;

/// <summary>What kind of failure an <see cref="ActorDispatchException"/> is; servers map it to a status code.</summary>
public enum ErrorKind
{
    /// <summary>The caller's input is invalid (HTTP 400).</summary>
    BadRequest,
    /// <summary>The named resource does not exist (HTTP 404).</summary>
    NotFound,
    /// <summary>The request conflicts with existing state, e.g. a subscription name taken (HTTP 409).</summary>
    Conflict,
    /// <summary>A payload exceeds a configured limit (HTTP 413).</summary>
    TooLarge,
    /// <summary>The store or engine cannot serve the request right now; retrying may succeed (HTTP 503).</summary>
    Unavailable,
}

/// <summary>
/// An error the engine reports to its callers. The message always starts with a stable code
/// (<c>AD1xxxx</c>) and names the field or value at fault, so that clients can act on it.
/// </summary>
public sealed class ActorDispatchException : Exception
{
    public ActorDispatchException(ErrorKind kind, string code, string message, Exception? inner = null)
        : base($"{code}: {message}", inner)
    {
        Kind = kind;
        Code = code;
    }

    // Akka.Remote carries an exception in a failure reply to another node through these two
    // (ISerializable); without them the caller there would get no error at all, and with them it
    // gets the same kind and code, so a REST call answers alike on every node.
#pragma warning disable SYSLIB0051, CS0672 // obsolete for BinaryFormatter, still what Akka.Remote calls
    private ActorDispatchException(SerializationInfo info, StreamingContext context) : base(info, context)
    {
        Kind = Enum.TryParse<ErrorKind>(info.GetString(nameof(Kind)), out var kind) ? kind : ErrorKind.Unavailable;
        Code = info.GetString(nameof(Code)) ?? "";
    }

    public override void GetObjectData(SerializationInfo info, StreamingContext context)
    {
        base.GetObjectData(info, context);
        info.AddValue(nameof(Kind), Kind.ToString());
        info.AddValue(nameof(Code), Code);
    }
#pragma warning restore SYSLIB0051, CS0672

    /// <summary>The category, used to choose a status code.</summary>
    public ErrorKind Kind { get; }

    /// <summary>The stable error code, e.g. <c>AD10110</c>.</summary>
    public string Code { get; }
}

/// <summary>The engine's error codes, one per distinct problem, with factory methods that word the message.</summary>
internal static class Errors
{
    public static ActorDispatchException InvalidField(string field, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid '{field}': {problem}");

    public static ActorDispatchException InvalidRegex(string field, string pattern, string problem) =>
        new(ErrorKind.BadRequest, "AD10101", $"invalid regular expression in '{field}' ('{pattern}'): {problem}");

    public static ActorDispatchException UnknownTransport(string transport, IEnumerable<string> known) =>
        new(ErrorKind.BadRequest, "AD10102", $"unknown transport '{transport}' in 'transport' (known: {string.Join(", ", known)})");

    public static ActorDispatchException InvalidOption(string option, string problem) =>
        new(ErrorKind.BadRequest, "AD10103", $"invalid option 'options.{option}': {problem}");

    public static ActorDispatchException InvalidNamespace(string ns) =>
        new(ErrorKind.BadRequest, "AD10104", $"invalid 'namespace' '{ns}': 1-64 characters of [a-z0-9_-]");

    public static ActorDispatchException TooManySubscriptions(int max) =>
        new(ErrorKind.Conflict, "AD10105", $"the maximum of {max} durable subscriptions ('subscriptions.max') is reached");

    public static ActorDispatchException TooManySubscriptionsInNamespace(string ns, int max) =>
        new(ErrorKind.Conflict, "AD10117", $"the maximum of {max} durable subscriptions in namespace '{ns}' ('subscriptions.max-per-namespace') is reached");

    public static ActorDispatchException PayloadTooLarge(string field, long size, long max) =>
        new(ErrorKind.TooLarge, "AD10106", $"'{field}' is {size} bytes, more than the limit of {max} bytes");

    public static ActorDispatchException SubscriptionExists(string ns, string name) =>
        new(ErrorKind.Conflict, "AD10107", $"a subscription named '{name}' already exists in namespace '{ns}'");

    public static ActorDispatchException SubscriptionNotFound(string ns, string idOrName) =>
        new(ErrorKind.NotFound, "AD10108", $"no subscription '{idOrName}' in namespace '{ns}'");

    public static ActorDispatchException EventNotFound(string ns, string id) =>
        new(ErrorKind.NotFound, "AD10109", $"no event '{id}' in namespace '{ns}'");

    public static ActorDispatchException WrongTransport(string name, string actual, string expected) =>
        new(ErrorKind.BadRequest, "AD10110", $"subscription '{name}' uses transport '{actual}', not '{expected}'");

    // The store's own message (driver, SQL, file names) stays in the inner exception, for the log:
    // callers get the stable code and what to do.
    public static ActorDispatchException AppendFailed(string ns, Exception cause) =>
        new(ErrorKind.Unavailable, "AD10111", $"append to namespace '{ns}' failed and nothing was written: the store is unavailable; retry later (the cause is in the server log)", cause);

    public static ActorDispatchException Timeout(string what, TimeSpan after) =>
        new(ErrorKind.Unavailable, "AD10112", $"{what} did not complete within {after.TotalSeconds:0.#}s");

    public static ActorDispatchException ConnectionClosed(string connectionId) =>
        new(ErrorKind.BadRequest, "AD10114", $"connection '{connectionId}' closed before its ephemeral subscription started");

    public static ActorDispatchException ClusterNeedsPostgres() =>
        new(ErrorKind.BadRequest, "AD10130",
            "cluster mode ('ActorDispatch:Cluster:Enabled') needs PostgreSQL ('ActorDispatch:Storage:Postgres'): nodes share one store, and a SQLite file cannot be shared");

    public static ActorDispatchException SubscriptionRestarting(Guid id) =>
        new(ErrorKind.Unavailable, "AD10115", $"subscription '{id}' is restarting after a store failure; try again shortly");

    public static ActorDispatchException ParkedEventNotFound(string subscription, long sequence) =>
        new(ErrorKind.NotFound, "AD10116", $"subscription '{subscription}' has no parked event with sequence {sequence}");

    public static ActorDispatchException IdempotencyKeyReused(string ns, string key) =>
        new(ErrorKind.Conflict, "AD10125", $"'Idempotency-Key' '{key}' was used for different events in namespace '{ns}' within the idempotency window; nothing was appended");

    public static ActorDispatchException ReadFailed(string ns, Exception cause) =>
        new(ErrorKind.Unavailable, "AD10113", $"reading namespace '{ns}' failed: the store is unavailable; retry later (the cause is in the server log)", cause);
}
