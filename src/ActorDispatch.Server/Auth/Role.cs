namespace ActorDispatch.Server.Auth;

/// <summary>
/// What a principal may do; each role includes the ones before it, so a comparison
/// (<c>role &gt;= Role.Writer</c>) is the whole check.
/// </summary>
internal enum Role
{
    /// <summary>GET routes, and consuming over <c>/ws</c>.</summary>
    Reader = 0,

    /// <summary>Reader, plus appending events.</summary>
    Writer = 1,

    /// <summary>Writer, plus managing subscriptions and everything else.</summary>
    Admin = 2,
}
