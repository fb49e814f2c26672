using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Formatter;

namespace ActorDispatch.Transports.Mqtt.Publishing;

/// <summary>
/// The MQTTnet client options of <see cref="MqttSettings"/>: MQTT 5 (user properties need it), a
/// clean start with no session kept (see <see cref="MqttTransport"/>), the connection opened through
/// the egress policy, TLS with the configured trust and client certificate. TLS files are read
/// here, once, so that a broken path fails the transport's start.
/// </summary>
internal static class BrokerClientOptions
{
    public static MqttClientOptions Build(MqttSettings settings)
    {
        var provider = new EgressStreamProvider(settings.Egress);
        var tls = Tls(settings);
        var builder = new MqttClientOptionsBuilder()
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(settings.ClientId)
            .WithCleanStart(true)
            .WithSessionExpiryInterval(0)
            .WithKeepAlivePeriod(settings.KeepAlive)
            .WithTimeout(settings.ConnectTimeout)
            .WithTcpServer(settings.Host, settings.Port);
        if (settings.Username is not null) builder.WithCredentials(settings.Username, settings.Password ?? "");
        var options = builder.Build();
        var tcp = (MqttClientTcpOptions)options.ChannelOptions;
        tcp.StreamProvider = provider;
        tcp.NoDelay = true;
        tcp.TlsOptions = tls;
        return options;
    }

    private static MqttClientTlsOptions Tls(MqttSettings settings)
    {
        var config = settings.Tls;
        if (!config.Enabled) return new MqttClientTlsOptions { UseTls = false };
        var builder = new MqttClientTlsOptionsBuilder().UseTls().WithTargetHost(settings.Host);
        if (config.CertFile is not null)
        {
            using var pem = X509Certificate2.CreateFromPemFile(config.CertFile, config.KeyFile);
            // Exported and imported again: SslStream on Linux needs a key it can use for the handshake.
            builder.WithClientCertificates([X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null)]);
        }
        if (config.InsecureSkipVerify) builder.WithCertificateValidationHandler(_ => true);
        else if (config.CaFile is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(config.CaFile);
            if (roots.Count == 0) throw MqttErrors.Config(MqttSettings.TlsCaFile, $"'{config.CaFile}' holds no certificate");
            builder.WithCertificateValidationHandler(e => TrustedBy(roots, e.Certificate, e.SslPolicyErrors));
        }
        return builder.Build();
    }

    // Only the configured CAs are trusted for the broker's chain; the name must match as usual.
    private static bool TrustedBy(X509Certificate2Collection roots, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}

/// <summary>The transport's configuration errors, worded as the engine's (<c>AD10100</c>, naming the key).</summary>
internal static class MqttErrors
{
    public static ActorDispatchException Config(string key, string problem) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid 'actordispatch.transports.{MqttTransport.TransportName}.{key}': {problem}");
}
