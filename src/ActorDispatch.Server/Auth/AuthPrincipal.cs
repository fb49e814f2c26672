namespace ActorDispatch.Server.Auth;

/// <summary>
/// Who a request is: a user of the password file or a named API key, with its role and the
/// namespaces it may touch (<see cref="Namespaces"/> null means every namespace, <c>*</c>).
/// </summary>
internal sealed record AuthPrincipal(string Name, Role Role, IReadOnlySet<string>? Namespaces)
{
    public bool AllNamespaces => Namespaces is null;

    public bool Allows(string ns) => Namespaces is null || Namespaces.Contains(ns);

    public string NamespacesDescription => Namespaces is null ? "*" : string.Join(",", Namespaces.Order(StringComparer.Ordinal));
}
