/**
 * A map of charging places (only charging locations exist: the server keeps no position from
 * driving) and the program's territory. Leaflet is loaded on first use. Tiles come from
 * MAP_TILE_URL; when it is "off", or the tiles do not load (offline), the map still draws the
 * territory and the places on a plain background, and says so.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useSession } from '../session';

export interface MapPoint {
  lat: number;
  lon: number;
  label: string;
  tone: 'in' | 'out' | 'unknown';
}

export function ChargingMap({ points, territory }: { points: readonly MapPoint[]; territory?: unknown }) {
  const host = useRef<HTMLDivElement>(null);
  const { config } = useSession();
  const [offline, setOffline] = useState(config.mapTileUrl === 'off');

  useEffect(() => {
    let disposed = false;
    let cleanup: (() => void) | undefined;
    void (async () => {
      const [{ default: L }] = await Promise.all([import('leaflet'), import('leaflet/dist/leaflet.css')]);
      if (disposed || !host.current) return;
      const map = L.map(host.current, { attributionControl: true, scrollWheelZoom: false });
      cleanup = () => map.remove();
      if (config.mapTileUrl !== 'off') {
        let failures = 0;
        const tiles = L.tileLayer(config.mapTileUrl, {
          maxZoom: 18,
          attribution: '&copy; OpenStreetMap contributors',
        });
        tiles.on('tileerror', () => {
          failures += 1;
          if (failures === 3) setOffline(true);
        });
        tiles.addTo(map);
      }
      const layers: L.Layer[] = [];
      if (territory) {
        layers.push(
          L.geoJSON(territory as GeoJSON.GeoJsonObject, {
            style: { color: '#0b6e4f', weight: 2, fillOpacity: 0.06 },
          }).addTo(map),
        );
      }
      const colors = { in: '#0b6e4f', out: '#b23a48', unknown: '#7a8793' } as const;
      for (const p of points) {
        layers.push(
          L.circleMarker([p.lat, p.lon], { radius: 7, color: colors[p.tone], fillOpacity: 0.7, weight: 2 })
            .bindPopup(p.label)
            .addTo(map),
        );
      }
      const group = L.featureGroup(layers);
      const bounds = group.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.15), { maxZoom: 13 });
      else map.setView([43.65, -79.6], 9);
    })();
    return () => {
      disposed = true;
      cleanup?.();
    };
  }, [points, territory, config.mapTileUrl]);

  return (
    <div class={`map-wrap ${offline ? 'map-offline' : ''}`}>
      {/* Leaflet adds its own classes to this element: Preact must never rewrite them. */}
      <div ref={host} class="map" role="region" aria-label="Map of charging places" />
      <p class="muted small">
        <span class="dot dot-in" /> inside the territory <span class="dot dot-out" /> outside
        {offline ? ' · Map tiles are not available here: the map shows the territory and the places only.' : ''}
      </p>
    </div>
  );
}
