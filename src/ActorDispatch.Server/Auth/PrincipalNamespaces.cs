using ActorDispatch.Transports;

namespace ActorDispatch.Server.Auth;

/// <summary>A principal's namespaces, as the WebSocket transport checks them on every start.</summary>
internal sealed class PrincipalNamespaces(AuthPrincipal principal) : INamespaceAccess
{
    public bool Allows(string @namespace) => principal.Allows(@namespace);

    public string Describe() => principal.NamespacesDescription;
}
