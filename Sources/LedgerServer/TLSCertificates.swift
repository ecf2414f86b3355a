import Foundation
public import LedgerStore
public import Logging
import NIOSSL
import Synchronization

/// The PEM files of a listener's HTTPS: `LEDGER_TLS_CERT` (the certificate, then any intermediates),
/// `LEDGER_TLS_KEY` (its unencrypted private key) and, optionally, `LEDGER_TLS_CLIENT_CA` (the CA that must have
/// signed every client's certificate).
public struct TLSFiles: Sendable, Equatable {
    public var certificateChain: String
    public var privateKey: String
    public var clientCA: String?

    public init(certificateChain: String, privateKey: String, clientCA: String? = nil) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCA = clientCA
    }

    /// nil when neither `LEDGER_TLS_CERT` nor `LEDGER_TLS_KEY` is set: the listener speaks plain HTTP.
    /// One without the other, or a client CA without both, is a configuration error naming the settings.
    public static func fromEnvironment(_ reader: EnvironmentReader) throws -> TLSFiles? {
        let certificate = reader.string("LEDGER_TLS_CERT"), key = reader.string("LEDGER_TLS_KEY")
        let clientCA = reader.string("LEDGER_TLS_CLIENT_CA")
        switch (certificate, key) {
        case let (certificate?, key?):
            return TLSFiles(certificateChain: certificate, privateKey: key, clientCA: clientCA)
        case (nil, nil):
            if clientCA != nil {
                throw ConfigurationError(
                    key: "LEDGER_TLS_CLIENT_CA", message: "needs LEDGER_TLS_CERT and LEDGER_TLS_KEY as well (HTTPS)")
            }
            return nil
        default:
            throw ConfigurationError(
                key: certificate == nil ? "LEDGER_TLS_CERT" : "LEDGER_TLS_KEY",
                message: "HTTPS needs both LEDGER_TLS_CERT and LEDGER_TLS_KEY (PEM files); set both, or neither for plain HTTP")
        }
    }

    /// Reads the files and builds the TLS context: TLS 1.2 or newer, and a client certificate signed by the client CA
    /// when there is one.
    func load() throws(TLSFilesError) -> LoadedCertificates {
        let chain = try Self.certificates(at: certificateChain, setting: "LEDGER_TLS_CERT")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: try Self.read(privateKey, setting: "LEDGER_TLS_KEY"), format: .pem)
        } catch let error as TLSFilesError {
            throw error
        } catch {
            throw TLSFilesError("LEDGER_TLS_KEY: \(privateKey) holds no unencrypted PEM private key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        if let clientCA {
            configuration.trustRoots = .certificates(try Self.certificates(at: clientCA, setting: "LEDGER_TLS_CLIENT_CA"))
            configuration.certificateVerification = .noHostnameVerification
            configuration.sendCANameList = true
        }
        do {
            return LoadedCertificates(context: try NIOSSLContext(configuration: configuration), leaf: chain[0])
        } catch {
            throw TLSFilesError(
                "LEDGER_TLS_KEY: the key in \(privateKey) does not belong to the certificate in \(certificateChain) (\(error))")
        }
    }

    private static func read(_ path: String, setting: String) throws(TLSFilesError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TLSFilesError("\(setting): cannot read \(path): check the path and that ledgerd's user may read it")
        }
        return Array(data)
    }

    private static func certificates(at path: String, setting: String) throws(TLSFilesError) -> [NIOSSLCertificate] {
        let bytes = try read(path, setting: setting)
        guard let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty else {
            throw TLSFilesError("\(setting): \(path) holds no PEM certificate")
        }
        return certificates
    }
}

/// What is wrong with the TLS files, naming the setting and the file.
public struct TLSFilesError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A TLS context and the certificate it presents.
struct LoadedCertificates: Sendable {
    let context: NIOSSLContext
    let leaf: NIOSSLCertificate

    /// The serial number in hexadecimal, as `openssl x509 -serial` prints it.
    var serial: String { leaf.serialNumber.map { String(format: "%02X", $0) }.joined() }
    var expires: String {
        Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)).formatted(.iso8601)
    }
}

/// The current TLS context of the listeners that share these files. Each new connection takes the context current when
/// it is accepted; `reload` (on SIGHUP) replaces it for the connections that follow, and keeps it when the new
/// files are unusable.
public final class TLSCertificates: Sendable {
    public let files: TLSFiles
    private let current: Mutex<LoadedCertificates>

    /// Loads the files; a problem is a startup error that names the setting and the file.
    public init(files: TLSFiles) throws(TLSFilesError) {
        self.files = files
        self.current = Mutex(try files.load())
    }

    var context: NIOSSLContext { current.withLock { $0.context } }

    /// Serial number and expiry of the certificate presented, for the log.
    public var summary: Logger.Metadata {
        current.withLock { ["tls.serial": "\($0.serial)", "tls.expires": "\($0.expires)"] }
    }

    /// Reads the files again. New connections get the new certificate; if the files are unusable, the error is
    /// logged and the previous certificate stays in use.
    public func reload(logger: Logger) {
        do {
            let loaded = try files.load()
            current.withLock { $0 = loaded }
            logger.notice("TLS certificate reloaded", metadata: summary)
        } catch {
            var metadata = summary
            metadata["error"] = "\(error)"
            logger.error("TLS certificate not reloaded, still serving the previous one: fix the files and reload again",
                         metadata: metadata)
        }
    }
}
