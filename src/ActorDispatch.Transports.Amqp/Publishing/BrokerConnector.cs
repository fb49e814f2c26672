using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RabbitMQ.Client;

namespace ActorDispatch.Transports.Amqp.Publishing;

/// <summary>
/// Opens connections to the configured broker. The egress policy is applied here, on the broker
/// host's resolved addresses at every connect (a name that later resolves elsewhere does not pass),
/// and the client is handed only the allowed addresses, with TLS still checking the host's name.
/// The client's own automatic recovery is off: the transport reconnects itself, so that it can tell
/// the engine the connection went and came back.
/// </summary>
internal sealed class BrokerConnector
{
    private readonly AmqpSettings _settings;
    private readonly Uri _uri;
    private readonly ConnectionFactory _factory;
    private readonly SslOption _ssl;

    public BrokerConnector(AmqpSettings settings)
    {
        _settings = settings;
        _uri = settings.Uri ?? throw new InvalidOperationException("no broker is configured");
        _factory = new ConnectionFactory
        {
            Uri = _uri,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = settings.ConnectionTimeout,
            HandshakeContinuationTimeout = settings.ConnectionTimeout,
            RequestedHeartbeat = settings.Heartbeat,
            ClientProvidedName = "actordispatch",
        };
        if (settings.UserName is { } user) _factory.UserName = user;
        if (settings.Password is { } password) _factory.Password = password;
        _ssl = Ssl(settings.Tls, _uri);
    }

    /// <summary>The broker's host as written in the URI.</summary>
    public string Host => _uri.IdnHost.Trim('[', ']');

    public int Port => _uri.IsDefaultPort || _uri.Port < 0 ? _ssl.Enabled ? 5671 : 5672 : _uri.Port;

    /// <summary>
    /// Refuses a broker the egress policy can already tell is out of bounds (an address literal, or a
    /// name that resolves only to refused addresses): a clear error at start rather than a retry loop.
    /// A name that does not resolve now is left to the connect loop (the broker may come later).
    /// </summary>
    public async Task CheckEgressAsync(CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        if (IPAddress.TryParse(Host, out var literal)) addresses = [literal];
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException)
            {
                return;
            }
        }
        if (addresses.Length > 0 && _settings.Egress.Allowed(addresses).Length == 0)
            throw EgressRefused(_settings.Egress.Refusal(addresses[0])!);
    }

    public async Task<IConnection> ConnectAsync(string clientName, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);
        var allowed = _settings.Egress.Allowed(addresses);
        if (allowed.Length == 0) throw EgressRefused(addresses.Length == 0 ? "it has no address" : _settings.Egress.Refusal(addresses[0])!);
        var endpoints = allowed.Select(a => new AmqpTcpEndpoint(a.ToString(), Port, _ssl)).ToList();
        return await _factory.CreateConnectionAsync(endpoints, clientName, cancellationToken).ConfigureAwait(false);
    }

    private ActorDispatchException EgressRefused(string why) =>
        new(ErrorKind.BadRequest, "AD10100", $"invalid 'actordispatch.transports.amqp.uri': egress to broker '{Host}' refused: {why} " +
            "(allow its range in 'actordispatch.transports.amqp.egress-allow' or ActorDispatch:Egress:Allow)");

    private static SslOption Ssl(AmqpTlsSettings tls, Uri uri)
    {
        var enabled = tls.Enabled || uri.Scheme == "amqps";
        var ssl = new SslOption(tls.ServerName ?? uri.IdnHost.Trim('[', ']'), enabled: enabled);
        if (!enabled) return ssl;
        if (tls.CertFile is { } cert)
        {
            try
            {
                ssl.Certs = new X509CertificateCollection { X509Certificate2.CreateFromPemFile(cert, tls.KeyFile) };
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
            {
                throw new ActorDispatchException(ErrorKind.BadRequest, "AD10100",
                    $"invalid 'actordispatch.transports.amqp.tls.cert-file': cannot load the certificate and key: {ex.Message}", ex);
            }
        }
        if (tls.InsecureSkipVerify)
        {
            ssl.AcceptablePolicyErrors = SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNotAvailable;
            ssl.CertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (tls.CaFile is { } caFile)
        {
            var roots = new X509Certificate2Collection();
            try
            {
                roots.ImportFromPemFile(caFile);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
            {
                throw new ActorDispatchException(ErrorKind.BadRequest, "AD10100",
                    $"invalid 'actordispatch.transports.amqp.tls.ca-file': cannot load CA certificates: {ex.Message}", ex);
            }
            ssl.CertificateValidationCallback = (_, certificate, _, errors) =>
            {
                // The CA file alone is trusted; the name must still match.
                if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch)) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            };
        }
        return ssl;
    }
}
