using System.Reflection;

namespace ActorDispatch.Server.Configuration;

/// <summary>The engine's version, as status and the start-up log report it (without the commit suffix).</summary>
internal static class ServerVersion
{
    public static readonly string Value =
        typeof(IActorDispatch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
