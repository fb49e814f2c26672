using System.Runtime;

namespace ActorDispatch.Server.Configuration;

/// <summary>
/// The garbage collector's mode as the runtime has it (from runtimeconfig.json or the
/// <c>DOTNET_gc*</c> variables): server or workstation, concurrent, DATAS, conserve-memory.
/// </summary>
internal static class GcMode
{
    public static string Describe()
    {
        var kind = GCSettings.IsServerGC ? "server" : "workstation";
        var concurrent = AppContext.GetData("System.GC.Concurrent") is false ? ", non-concurrent" : "";
        // DATAS (dynamic adaptation to application sizes) only applies to server GC; .NET 10 turns it on by default.
        var datas = GCSettings.IsServerGC ? (Setting("System.GC.DynamicAdaptationMode", "GCDynamicAdaptationMode") is "0" ? ", DATAS off" : ", DATAS") : "";
        var conserve = Setting("System.GC.ConserveMemory", "GCConserveMemory") is { Length: > 0 } c && c != "0" ? $", conserve-memory {c}" : "";
        return kind + concurrent + datas + conserve;
    }

    private static string? Setting(string runtimeConfig, string variable) =>
        Environment.GetEnvironmentVariable("DOTNET_" + variable) ?? AppContext.GetData(runtimeConfig)?.ToString();
}
