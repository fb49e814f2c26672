namespace ActorDispatch.Transports;

/// <summary>
/// Which namespaces the client of a connection may use, as the host's authentication decided it
/// when the connection opened (an HTTP feature on the upgrade request, for the WebSocket
/// transport). A transport checks every subscription its client starts against it; absent, the
/// client may use every namespace.
/// </summary>
public interface INamespaceAccess
{
    bool Allows(string @namespace);

    /// <summary>The namespaces allowed, for an error message.</summary>
    string Describe();
}
