// Key attestation at activation, as the core's Attester foreign trait: begin() receives the
// gateway's challenge before the device keys exist (AndroidKeystoreSigner creates them with it),
// evidence() hands over the approval key's certificate chain, leaf first, whose attestation
// extension carries that challenge and says where the key lives (TEE or StrongBox) — the gateway
// checks it against Google's hardware attestation roots.
package cn.qianpi.app

import cn.qianpi.core.Attester
import cn.qianpi.core.PlatformAttestation
import cn.qianpi.core.QianpiException

class KeystoreAttester(private val challenge: AttestationChallenge) : Attester {
    override fun begin(challenge: ByteArray) {
        this.challenge.begin(challenge)
    }

    override fun evidence(approvalAlias: String, clientData: ByteArray): PlatformAttestation? =
        keystoreCall("reading the attestation of $approvalAlias") {
            val attested = challenge.attested
            challenge.end()
            if (!attested) {
                null
            } else {
                // getCertificateChain returns the leaf (the key's own certificate) first.
                val chain = androidKeystore().getCertificateChain(approvalAlias)
                    ?: throw QianpiException.Platform("no certificate chain for $approvalAlias")
                PlatformAttestation.AndroidKey(chain.map { it.encoded })
            }
        }
}
