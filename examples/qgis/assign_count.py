"""QGIS Processing script: assign points to blocks and count them, protected by quartier.

Add it to the Processing toolbox (Scripts → Add Script to Toolbox…); see README.md beside
this file. Every step with logic — building the block index, assigning the points, counting,
primary and secondary suppression, the audit — is quartier's (``import quartier``); this
script only converts QGIS layers into quartier's arguments and quartier's tables back into a
QGIS layer.

Personal data stay inside: the point coordinates and attributes go to quartier only, and
neither the output layer nor the log holds anything but per-block counts and totals.
"""

import os
import tempfile

import numpy as np
from qgis.core import (
    NULL,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsUnitTypes,
    QgsVectorFileWriter,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, QVariant

#: The level name of the one-level hierarchy built from the block layer.
LEVEL = "block"
#: The id property of the temporary block GeoJSON handed to quartier.
TEMP_ID = "quartier_block_id"
#: The status of a block: no cell suppressed / some / the total (and so at least two cells).
PUBLISHED, PARTLY, SUPPRESSED = "published", "partly suppressed", "suppressed"


class AssignCountAlgorithm(QgsProcessingAlgorithm):
    """Assign points to blocks and count (protected)."""

    POINTS = "POINTS"
    BLOCKS = "BLOCKS"
    BLOCK_ID = "BLOCK_ID"
    CATEGORY = "CATEGORY"
    K = "K"
    SNAP = "SNAP"
    OUTPUT = "OUTPUT"
    UNASSIGNED = "UNASSIGNED"

    def tr(self, text):
        return QCoreApplication.translate("AssignCountAlgorithm", text)

    def createInstance(self):
        return AssignCountAlgorithm()

    def name(self):
        return "assign_count"

    def displayName(self):
        return self.tr("Assign points to blocks and count (protected)")

    def group(self):
        return self.tr("quartier")

    def groupId(self):
        return "quartier"

    def shortHelpString(self):
        return self.tr(
            "Assigns every point to the block that contains it (a point on a shared edge goes "
            "to the block with the smallest id; with a snap distance, a point just outside "
            "every block goes to the nearest block within that distance) and counts the "
            "points per block and category. The counts are protected by quartier: a count "
            "from 1 to k−1 is suppressed, and further cells are suppressed so that no "
            "suppressed count can be worked out from the total (secondary suppression, "
            "checked by an LP audit).\n\n"
            "Output: one feature per block with the block id, one count field per category "
            "(n_<category>, NULL points form the category n_NULL), total and status "
            "('published', 'partly suppressed', 'suppressed' = the total is suppressed). "
            "Suppressed counts are NULL. 'Points not assigned' counts points without a "
            "geometry, with an invalid one or outside every block.\n\n"
            "Both layers must be in a projected CRS in metres. Needs the quartier Python "
            "package in QGIS' Python."
        )

    def initAlgorithm(self, config=None):
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.POINTS, self.tr("Point layer (records)"), [QgsProcessing.TypeVectorPoint]
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                self.BLOCKS, self.tr("Block layer"), [QgsProcessing.TypeVectorPolygon]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.BLOCK_ID, self.tr("Block id field"), parentLayerParameterName=self.BLOCKS
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                self.CATEGORY,
                self.tr("Category field of the points"),
                parentLayerParameterName=self.POINTS,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.K,
                self.tr("Minimum frequency k"),
                QgsProcessingParameterNumber.Integer,
                defaultValue=3,
                minValue=1,
            )
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                self.SNAP,
                self.tr("Snap distance (m)"),
                QgsProcessingParameterNumber.Double,
                defaultValue=0.0,
                minValue=0.0,
            )
        )
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                self.OUTPUT, self.tr("Protected counts"), QgsProcessing.TypeVectorPolygon
            )
        )
        self.addOutput(QgsProcessingOutputNumber(self.UNASSIGNED, self.tr("Points not assigned")))

    def processAlgorithm(self, parameters, context, feedback):
        try:
            import quartier
        except ImportError as e:
            raise QgsProcessingException(
                self.tr(
                    "the Python package quartier is not importable in QGIS' Python ({}); "
                    "install its wheel, see examples/qgis/README.md"
                ).format(e)
            ) from None

        points = self.parameterAsSource(parameters, self.POINTS, context)
        if points is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.POINTS))
        blocks = self.parameterAsSource(parameters, self.BLOCKS, context)
        if blocks is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.BLOCKS))
        id_field = self.parameterAsString(parameters, self.BLOCK_ID, context)
        category_field = self.parameterAsString(parameters, self.CATEGORY, context) or None
        k = self.parameterAsInt(parameters, self.K, context)
        snap = self.parameterAsDouble(parameters, self.SNAP, context)
        block_crs = blocks.sourceCrs()
        for label, crs in ((self.tr("point"), points.sourceCrs()), (self.tr("block"), block_crs)):
            check_metric(label, crs)

        with tempfile.TemporaryDirectory(prefix="quartier-qgis-") as folder:
            path = os.path.join(folder, "blocks.geojson")
            ids, geometries, id_qgs_field = write_blocks(blocks, id_field, path, context)
            try:
                hierarchy = quartier.Hierarchy.from_geojson(
                    path, levels=[LEVEL], id_fields=[TEMP_ID]
                )
            except quartier.QuartierError as e:
                raise QgsProcessingException(self.tr("the block layer: {}").format(e)) from None
        feedback.setProgress(20)
        if feedback.isCanceled():
            return {}

        x, y, codes, labels = read_points(points, category_field, block_crs, context, feedback)
        feedback.setProgress(50)
        if feedback.isCanceled():
            return {}

        try:
            table, counted = quartier.protect_points(
                hierarchy,
                x,
                y,
                np.asarray(labels, dtype=object)[codes] if category_field is not None else None,
                labels=labels if category_field is not None else None,
                k=k,
                snap=snap if snap > 0 else None,
            )
        except quartier.QuartierError as e:
            raise QgsProcessingException(self.tr("quartier: {}").format(e)) from None
        feedback.setProgress(80)

        # The protected cells per block: category index (or "total") -> count or None.
        columns = as_columns(table)
        position = {label: i for i, label in enumerate(labels)}
        cells = {}
        for level, unit, category, value in zip(
            columns["level"], columns["unit_id"], columns["category"], columns["value"]
        ):
            if level != LEVEL:
                continue
            key = "total" if category == "total" else position[category]
            cells.setdefault(unit, {})[key] = None if value is None else int(value)

        fields = QgsFields()
        fields.append(id_qgs_field)
        names = [id_field]
        if category_field is not None:
            for label in labels:
                names.append("n_" + label)
                fields.append(QgsField(names[-1], QVariant.Int))
        for name, kind in (("total", QVariant.Int), ("status", QVariant.String)):
            names.append(name)
            fields.append(QgsField(name, kind))
        if len({name.lower() for name in names}) < len(names):
            raise QgsProcessingException(
                self.tr("the output field names collide: {}").format(", ".join(names))
            )
        sink, dest_id = self.parameterAsSink(
            parameters, self.OUTPUT, context, fields, blocks.wkbType(), block_crs
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        suppressed_cells = 0
        for block_value, (unit, geometry) in zip(ids, geometries.items()):
            row = cells.get(unit)
            if row is None:
                raise QgsProcessingException(self.tr("quartier returned no counts for a block"))
            counts = [row.get(i, 0) for i in range(len(labels))] if category_field else []
            total = row["total"]
            hidden = sum(c is None for c in counts) + (total is None)
            suppressed_cells += hidden
            status = SUPPRESSED if total is None else PARTLY if hidden else PUBLISHED
            feature = QgsFeature(fields)
            feature.setGeometry(geometry)
            feature.setAttributes(
                [block_value]
                + [NULL if c is None else c for c in counts]
                + [NULL if total is None else total, status]
            )
            sink.addFeature(feature, QgsFeatureSink.FastInsert)

        unassigned = counted["read"] - counted["assigned"] - counted["snapped"]
        # Aggregates only: no coordinate, id or attribute of a point.
        feedback.pushInfo(
            self.tr(
                "{} points: {} assigned ({} snapped), {} not assigned; {} blocks, "
                "{} cells suppressed; audit passed"
            ).format(
                counted["read"],
                counted["assigned"] + counted["snapped"],
                counted["snapped"],
                unassigned,
                len(ids),
                suppressed_cells,
            )
        )
        feedback.setProgress(100)
        return {self.OUTPUT: dest_id, self.UNASSIGNED: unassigned}


def check_metric(label, crs):
    """Refuses a layer whose CRS is missing, geographic or not in metres."""
    if not crs.isValid():
        raise QgsProcessingException(
            "the {} layer has no CRS; set a projected CRS in metres".format(label)
        )
    if crs.isGeographic():
        raise QgsProcessingException(
            "the {} layer's CRS {} is geographic (degrees); reproject it to a projected CRS "
            "in metres (e.g. UTM, EPSG:25832)".format(label, crs.authid() or crs.description())
        )
    if crs.mapUnits() != QgsUnitTypes.DistanceMeters:
        raise QgsProcessingException(
            "the {} layer's CRS {} is not in metres; reproject it to a projected CRS in "
            "metres".format(label, crs.authid() or crs.description())
        )


def write_blocks(blocks, id_field, path, context):
    """Writes the blocks to a GeoJSON file for ``quartier.Hierarchy.from_geojson``.

    quartier's Python API builds a hierarchy from a file only, so the blocks go through a
    temporary GeoJSON written by QGIS' own writer (MultiPolygon, 2D, the block layer's CRS,
    the id as a string property). Returns the id values in layer order, the geometries by id
    string and the id field (for the output layer).
    """
    index = blocks.fields().lookupField(id_field)
    if index < 0:
        raise QgsProcessingException("the block layer has no field {}".format(id_field))
    fields = QgsFields()
    fields.append(QgsField(TEMP_ID, QVariant.String))
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GeoJSON"
    options.fileEncoding = "UTF-8"
    options.layerOptions = ["RFC7946=NO", "WRITE_BBOX=NO"]
    writer = QgsVectorFileWriter.create(
        path,
        fields,
        QgsWkbTypes.MultiPolygon,
        blocks.sourceCrs(),
        context.transformContext(),
        options,
    )
    if writer.hasError() != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(
            "cannot write a temporary block file: {}".format(writer.errorMessage())
        )
    ids, geometries = [], {}
    request = QgsFeatureRequest().setSubsetOfAttributes([index])
    for number, block in enumerate(blocks.getFeatures(request)):
        value = block.attributes()[index]
        if value is None or value == NULL:
            raise QgsProcessingException(
                "block feature {} has no id (field {} is NULL)".format(number, id_field)
            )
        key = str(value)
        geometry = QgsGeometry(block.geometry())
        if key in geometries:
            raise QgsProcessingException(
                "the block id field {} is not unique (block feature {})".format(id_field, number)
            )
        ids.append(value)
        geometries[key] = QgsGeometry(geometry)
        flat = QgsGeometry(geometry.constGet().segmentize()) if not geometry.isNull() else geometry
        if not flat.isNull():
            flat.get().dropZValue()
            flat.get().dropMValue()
            flat.convertToMultiType()
        feature = QgsFeature(fields)
        feature.setGeometry(flat)
        feature.setAttributes([key])
        if not writer.addFeature(feature):
            raise QgsProcessingException(
                "cannot write a temporary block file: {}".format(writer.errorMessage())
            )
    del writer  # flushes and closes the file
    return ids, geometries, blocks.fields().at(index)


def as_columns(table):
    """The cells of ``quartier.protect_points`` as plain lists, ``None`` where suppressed.

    quartier returns a pandas DataFrame when pandas is installed in QGIS' Python, else a dict
    of lists; both become a dict of lists here.
    """
    if hasattr(table, "columns"):  # a pandas DataFrame
        return {
            name: table[name].astype(object).where(table[name].notna(), None).tolist()
            for name in table.columns
        }
    return table


def read_points(points, category_field, crs, context, feedback):
    """The points as coordinate arrays in the block CRS and category codes.

    A point without a geometry gets NaN coordinates (quartier counts it as "no coordinate").
    Returns ``(x, y, codes, labels)``: ``labels`` are the distinct category values as text,
    sorted (``"NULL"`` for a missing value), and ``codes[i]`` indexes them; without a
    category field every point has code 0 and ``labels`` is ``["all"]``.
    """
    request = QgsFeatureRequest().setDestinationCrs(crs, context.transformContext())
    if category_field:
        index = points.fields().lookupField(category_field)
        if index < 0:
            raise QgsProcessingException("the point layer has no field {}".format(category_field))
        request.setSubsetOfAttributes([index])
    else:
        index = -1
        request.setSubsetOfAttributes([])
    xs, ys, values = [], [], []
    for point in points.getFeatures(request):
        if feedback.isCanceled():
            break
        geometry = point.geometry()
        if geometry.isNull() or geometry.isEmpty():
            xs.append(np.nan)
            ys.append(np.nan)
        else:
            if geometry.isMultipart() and geometry.constGet().numGeometries() != 1:
                raise QgsProcessingException(
                    "the point layer has multi-part points; split them first "
                    "(Vector geometry → Multipart to singleparts)"
                )
            p = geometry.vertexAt(0)
            xs.append(p.x())
            ys.append(p.y())
        if index >= 0:
            value = point.attributes()[index]
            values.append("NULL" if value is None or value == NULL else str(value))
    if index < 0:
        labels = ["all"]
        codes = np.zeros(len(xs), dtype=np.intp)
    else:
        labels = sorted(set(values))
        position = {label: i for i, label in enumerate(labels)}
        codes = np.fromiter((position[v] for v in values), dtype=np.intp, count=len(values))
    return np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64), codes, labels
