// A werift WebRTC peer for tests, benchmarks and load runs: it places a WHIP call to Parley,
// sends Opus RTP packets and collects what Parley sends back.
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket } from "werift";

/** A connected WHIP caller. */
export interface WhipCaller {
  readonly pc: RTCPeerConnection;
  /** URL of the WHIP session resource (for DELETE). */
  readonly location: string;
  /** RTP packets received from Parley, as they arrived. */
  readonly received: RtpPacket[];
  /** Sends one Opus payload as the next RTP packet (20 ms of 48 kHz clock per packet). */
  sendOpus(payload: Uint8Array): void;
  /** Sends a raw RTP packet through the SRTP session, whatever its payload type. */
  sendRaw(payloadType: number, sequenceNumber: number, timestamp: number, payload: Uint8Array, marker?: boolean): void;
  /** Hangs up by WHIP DELETE and closes the peer connection. */
  close(): Promise<void>;
}

/** Calls `baseUrl/whip` from a werift peer on loopback and resolves once DTLS is connected. */
export async function callWhip(baseUrl: string, headers: Record<string, string> = {}, timeoutMs = 10000): Promise<WhipCaller> {
  const pc = new RTCPeerConnection({
    codecs: { audio: [new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: 111 }),
      new RTCRtpCodecParameters({ mimeType: "audio/telephone-event", clockRate: 48000, channels: 1, payloadType: 110 })] },
    iceUseIpv6: false,
    iceInterfaceAddresses: { udp4: "127.0.0.1" },
    iceAdditionalHostAddresses: ["127.0.0.1"],
  });
  const track = new MediaStreamTrack({ kind: "audio" });
  const transceiver = pc.addTransceiver(track, { direction: "sendrecv" });
  const received: RtpPacket[] = [];
  transceiver.onTrack.subscribe((remote) => remote.onReceiveRtp.subscribe((rtp) => received.push(rtp)));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === "complete") return resolve();
    pc.iceGatheringStateChange.subscribe((state) => state === "complete" && resolve());
  });
  const response = await fetch(`${baseUrl}/whip`, { method: "POST", headers: { "content-type": "application/sdp", ...headers }, body: pc.localDescription!.sdp });
  if (response.status !== 201) throw new Error(`WHIP answered ${response.status}: ${await response.text()}`);
  const location = new URL(response.headers.get("location")!, baseUrl).href;
  await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("WebRTC did not connect")), timeoutMs);
    const check = (state: string) => {
      if (state === "connected") {
        clearTimeout(timer);
        resolve();
      }
    };
    check(pc.connectionState);
    pc.connectionStateChange.subscribe(check);
  });
  let sequenceNumber = 1;
  let timestamp = 1000;
  return {
    pc,
    location,
    received,
    sendOpus(payload) {
      const header = new RtpHeader({ payloadType: 111, sequenceNumber: sequenceNumber++ & 0xffff, timestamp, marker: false });
      timestamp = (timestamp + 960) >>> 0;
      track.writeRtp(new RtpPacket(header, Buffer.from(payload)));
    },
    sendRaw(payloadType, seq, ts, payload, marker = false) {
      const sender = transceiver.sender;
      const header = new RtpHeader({ payloadType, sequenceNumber: seq, timestamp: ts, marker, ssrc: sender.ssrc });
      sender.dtlsTransport.sendRtp(Buffer.from(payload), header);
    },
    async close() {
      await fetch(location, { method: "DELETE", headers }).then((response) => response.body?.cancel());
      await pc.close();
    },
  };
}
